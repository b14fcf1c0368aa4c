/**
 * The sandbox's Block Kit renderer on the blocks Greenlight really emits (built by the real views from a real
 * release in an in-memory SQLite), on every element type the sandbox must show, and on escaping.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicyText } from '../../../src/config';
import { openDatabase } from '../../../src/db/client';
import type { DatabaseHandle } from '../../../src/db/client';
import { getRelease, insertRelease } from '../../../src/db/release.repo';
import type { Release } from '../../../src/db/release.repo';
import { escapeHtml, mrkdwnToHtml, renderBlock, renderBlocks, renderModal } from '../../../src/sandbox/render';
import type { RenderContext } from '../../../src/sandbox/render';
import { SANDBOX_POLICY_YAML } from '../../../src/sandbox/policy';
import { releaseCard } from '../../../src/slack/views/release-card.view';
import { requestModal } from '../../../src/slack/views/request-release.view';
import { readinessModal } from '../../../src/slack/views/readiness.view';
import { reasonModal } from '../../../src/slack/views/reason.view';
import { scheduleModal } from '../../../src/slack/views/schedule.view';
import { loadSnapshot } from '../../../src/usecases/snapshot';
import { criteriaFor } from '../../../src/db/release.repo';

const ctx: RenderContext = {
  users: { U0DEV1: 'Dana (developer)', U0QA: 'Quinn (QA)' },
  channels: { C0PAYMENTS: 'payments-releases' },
  groups: { S0OPS: 'ops-team' },
};

/** Text a person reads: tags removed, entities decoded (for assertions only). */
function visible(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** No element or attribute in the output came from the text: only the renderer's own tags. */
function tagsOf(html: string): string[] {
  return [...html.matchAll(/<\/?([a-z0-9-]+)/gi)].map((m) => (m[1] ?? '').toLowerCase());
}

describe('mrkdwn', () => {
  it('renders bold, italic, strike, code and code blocks', () => {
    const html = mrkdwnToHtml('*bold* _italic_ ~gone~ `x < y` and\n```a *not bold*```', ctx);
    expect(html).toContain('<b>bold</b>');
    expect(html).toContain('<i>italic</i>');
    expect(html).toContain('<s>gone</s>');
    expect(html).toContain('<code>x &lt; y</code>');
    expect(html).toContain('<pre class="code">a *not bold*</pre>');
    expect(html).toContain('<br>');
  });

  it('does not format inside words or across lines', () => {
    expect(mrkdwnToHtml('snake_case_name and 2*3*4', ctx)).not.toMatch(/<[bi]>/);
    expect(mrkdwnToHtml('*open\nclose*', ctx)).not.toContain('<b>');
  });

  it('shows links, user and channel mentions by name, dates as their fallback, and user groups', () => {
    const html = mrkdwnToHtml(
      'see <https://ci.example/run/1?a=1&amp;b=2|the run> by <@U0DEV1> in <#C0PAYMENTS> at <!date^1767225600^{date_short} {time}|2026-01-01 00:00 UTC> for <!subteam^S0OPS> <!subteam^S0XYZ|@sre> and <@U0NOBODY>',
      ctx,
    );
    expect(html).toContain('<a href="https://ci.example/run/1?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">the run</a>');
    expect(visible(html)).toBe('see the run by @Dana (developer) in #payments-releases at 2026-01-01 00:00 UTC for @ops-team @sre and @U0NOBODY');
  });

  it('keeps only http(s) and mailto links clickable', () => {
    const html = mrkdwnToHtml('<javascript:alert(1)|click me> <https://ok.example>', ctx);
    expect(html).not.toContain('javascript:alert(1)"');
    expect(html).not.toMatch(/href="javascript/);
    expect(html).toContain('click me');
    expect(html).toContain('href="https://ok.example"');
  });

  it('shows the emoji Greenlight uses and leaves unknown shortcodes as text', () => {
    const html = mrkdwnToHtml(':white_check_mark: done :arrow_forward: next :no_such_emoji:', ctx);
    expect(visible(html)).toBe('✅ done ▶️ next :no_such_emoji:');
  });

  it('keeps <script> in user text inert: Slack-escaped or raw, it becomes text', () => {
    for (const text of ['&lt;script&gt;alert(1)&lt;/script&gt; &amp; <!channel>', '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>']) {
      const html = mrkdwnToHtml(text, ctx);
      expect(tagsOf(html).filter((t) => !['span', 'b', 'i', 's', 'br', 'a', 'code'].includes(t))).toEqual([]);
      expect(html).not.toMatch(/<script|<img/i);
    }
    expect(visible(mrkdwnToHtml('&lt;script&gt;alert(1)&lt;/script&gt;', ctx))).toBe('<script>alert(1)</script>');
  });
});

describe('blocks Greenlight emits', () => {
  let db: DatabaseHandle;
  let release: Release;
  const now = Date.UTC(2026, 0, 6, 9, 0);
  const policyResult = parsePolicyText(SANDBOX_POLICY_YAML, 'sandbox');
  if (!policyResult.ok) throw new Error(policyResult.errors.join('\n'));
  const policy = policyResult.policy;

  beforeAll(() => {
    db = openDatabase(':memory:');
    release = insertRelease(db.db, {
      service: 'payments-api',
      version: '1.4.2',
      title: 'Faster <script>alert("card")</script> checkout',
      changelog: 'Caches the basket &amp; more. <!channel> should ping nobody.',
      environment: 'production',
      risk: 'high',
      rollbackPlan: 'Redeploy 1.4.1',
      links: ['https://github.com/acme/payments/pull/42'],
      requestedBy: 'U0DEV1',
      source: 'slack',
      state: 'review',
      createdAt: now,
    });
  });

  afterAll(() => db.close());

  it('the release card: header, section with fields, context, divider and the action buttons', () => {
    const snap = loadSnapshot(db.db, policy, release.id, now);
    if (!snap) throw new Error('no snapshot');
    const card = releaseCard(snap);
    const html = renderBlocks(card.blocks, ctx);
    const text = visible(html);
    expect(html).toContain('<h3 class="bk-header">REL-1 · payments-api 1.4.2</h3>');
    expect(html).toContain('<div class="bk-fields">');
    expect(html).toContain('<hr class="bk-divider">');
    expect(html).toContain('class="bk-context"');
    expect(text).toContain('Requested by @Dana (developer)');
    expect(text).toContain('▶️ Initial review (Developer) — waiting on');
    // every button, by label, with its style and what the page needs to click it
    for (const label of ['Approve', 'Request changes', 'Reject', 'Update readiness']) expect(text).toContain(label);
    expect(html).toMatch(/<button type="button" class="bk-btn bk-primary" data-gl="button" data-action-id="[^"]+" data-block-id="card-1" data-value="1:1">Approve<\/button>/);
    expect(html).toMatch(/class="bk-btn bk-danger"[^>]*>Reject</);
    // the user's text is shown literally and stays inert
    expect(text).toContain('Faster <script>alert("card")</script> checkout');
    expect(text).toContain('<!channel> should ping nobody');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('unsupported');
  });

  it('the request modal: plain text (single and multi-line), static selects with initial options, a datetime picker, hints and optional marks', () => {
    const view = requestModal({ services: Object.keys(policy.services), meta: { mode: 'create', channel: 'C0GENERAL' }, now });
    const html = renderModal({ id: 'V1', type: 'modal', title: view.title, submit: view.submit, close: view.close, blocks: view.blocks }, ctx);
    expect(html).toContain('<form class="modal" data-view-id="V1"');
    expect(html).toContain('<div class="modal-title">Request a release</div>');
    for (const label of ['Service', 'Version', 'Title', 'Changelog', 'Environment', 'Risk', 'Deploy date and time', 'Rollback plan', 'Links']) {
      expect(html).toContain(`<label class="bk-label">${label}`);
    }
    expect(html).toMatch(/<select class="bk-control" data-input="static_select" data-block-id="service"[^>]*><option value="">Choose service<\/option><option value="payments-api">payments-api<\/option>/);
    expect(html).toContain('<option value="production" selected>production</option>');
    expect(html).toMatch(/<textarea class="bk-control" rows="4" data-input="plain_text_input" data-block-id="changelog"/);
    expect(html).toMatch(/<input class="bk-control" type="text" data-input="plain_text_input" data-block-id="version"[^>]*placeholder="1.4.2"/);
    expect(html).toMatch(/<span class="bk-datetime" data-input="datetimepicker" data-block-id="desired_at"/);
    expect(html).toContain('<span class="bk-optional">(optional)</span>');
    expect(html).toContain('Leave empty for the next free deploy window.');
    expect(html).toContain('data-gl="submit">Request</button>');
    expect(html).toContain('data-gl="close">Cancel</button>');
    expect(html).not.toContain('unsupported');
  });

  it('the edit modal prefills text, selects and the datetime picker', () => {
    const r = getRelease(db.db, release.id);
    if (!r) throw new Error('no release');
    const desired = { ...r, desiredAt: Date.UTC(2026, 0, 8, 14, 30) };
    const view = requestModal({ services: Object.keys(policy.services), meta: { mode: 'edit', channel: null, releaseId: r.id, rev: 1 }, release: desired, now });
    const html = renderModal({ id: 'V2', type: 'modal', title: view.title, submit: view.submit, blocks: view.blocks }, ctx);
    expect(html).toContain('value="1.4.2"');
    expect(html).toContain('<option value="high" selected>high</option>');
    expect(html).toContain('data-part="date" value="2026-01-08"');
    expect(html).toContain('data-part="time" value="14:30"');
    expect(html).toContain('Caches the basket &amp;amp; more. &lt;!channel&gt;');
  });

  it('the readiness, reason and schedule modals', () => {
    const r = getRelease(db.db, release.id);
    if (!r) throw new Error('no release');
    const readiness = readinessModal(r, criteriaFor(db.db, r.id));
    const reason = reasonModal(r, 'reject');
    const schedule = scheduleModal(r, [Date.UTC(2026, 0, 6, 10, 0)], 'UTC', now);
    for (const view of [readiness, reason, schedule]) {
      const html = renderModal({ id: 'V3', type: 'modal', title: view.title, submit: view.submit, close: view.close, blocks: view.blocks }, ctx);
      expect(html).not.toContain('unsupported');
      expect(html).not.toMatch(/<script/i);
    }
    const rh = renderModal({ id: 'V3', type: 'modal', title: readiness.title, blocks: readiness.blocks }, ctx);
    expect(rh).toContain('<option value="met">Met</option>');
    const sh = renderModal({ id: 'V4', type: 'modal', title: schedule.title, blocks: schedule.blocks }, ctx);
    expect(sh).toMatch(new RegExp(`<option value="${Date.UTC(2026, 0, 6, 10, 0)}">`));
  });
});

describe('every block and element type the sandbox supports', () => {
  const t = (text: string) => ({ type: 'plain_text', text, emoji: true });
  const opts = (...values: string[]) => values.map((v) => ({ text: t(`Option ${v}`), value: v }));

  it('section accessories: button with confirm, overflow, static select, image', () => {
    const html = renderBlocks(
      [
        {
          type: 'section',
          block_id: 'b1',
          text: { type: 'mrkdwn', text: 'Roll back?' },
          accessory: {
            type: 'button',
            action_id: 'rb',
            value: '7',
            style: 'danger',
            text: t('Roll back'),
            confirm: { title: t('Roll back REL-7?'), text: { type: 'mrkdwn', text: 'It redeploys *1.4.1*.' }, confirm: t('Roll back'), deny: t('Keep') },
          },
        },
        { type: 'section', block_id: 'b2', text: t('More'), accessory: { type: 'overflow', action_id: 'of', options: opts('a', 'b') } },
        { type: 'section', block_id: 'b3', text: t('Pick'), accessory: { type: 'static_select', action_id: 'ss', placeholder: t('Choose'), options: opts('x'), initial_option: opts('x')[0] } },
        { type: 'section', text: t('Pic'), accessory: { type: 'image', image_url: 'https://img.example/a.png', alt_text: 'a "chart"' } },
      ],
      ctx,
    );
    expect(html).toContain('data-gl="button" data-action-id="rb" data-block-id="b1" data-value="7"');
    expect(html).toContain(`data-gl-confirm="${escapeHtml(JSON.stringify({ title: 'Roll back REL-7?', text: 'It redeploys *1.4.1*.', confirm: 'Roll back', deny: 'Keep' }))}"`);
    expect(html).toContain('class="bk-select bk-overflow" data-gl="select" data-action-id="of" data-block-id="b2"');
    expect(html).toContain('<option value="x" selected>Option x</option>');
    expect(html).toContain('<img class="bk-image" src="https://img.example/a.png" alt="a &quot;chart&quot;">');
  });

  it('input elements: multi select, user pickers, channel picker, date, time, checkboxes, radio buttons', () => {
    const input = (block_id: string, element: Record<string, unknown>, optional = false) => ({ type: 'input', block_id, label: t(block_id), optional, element: { action_id: block_id, ...element } });
    const html = renderBlocks(
      [
        input('multi', { type: 'multi_static_select', options: opts('a', 'b', 'c'), initial_options: opts('b') }),
        input('who', { type: 'users_select', initial_user: 'U0QA' }),
        input('whos', { type: 'multi_users_select', initial_users: ['U0DEV1'] }),
        input('where', { type: 'conversations_select' }),
        input('day', { type: 'datepicker', initial_date: '2026-02-03' }),
        input('at', { type: 'timepicker', initial_time: '09:30' }),
        input('checks', { type: 'checkboxes', options: opts('1', '2'), initial_options: opts('2') }, true),
        input('radio', { type: 'radio_buttons', options: opts('y', 'n') }),
      ],
      ctx,
    );
    expect(html).toMatch(/<select class="bk-control" multiple data-input="multi_static_select" data-block-id="multi"[^>]*><option value="a">Option a<\/option><option value="b" selected>/);
    expect(html).toContain('<option value="U0QA" selected>Quinn (QA)</option>');
    expect(html).toMatch(/data-input="multi_users_select"[^>]*><option value="U0DEV1" selected>Dana/);
    expect(html).toContain('<option value="C0PAYMENTS">#payments-releases</option>');
    expect(html).toContain('type="date" data-input="datepicker" data-block-id="day" data-action-id="day" value="2026-02-03"');
    expect(html).toContain('type="time" data-input="timepicker" data-block-id="at" data-action-id="at" value="09:30"');
    expect(html).toContain('<input type="checkbox" name="r-checks" value="2" checked> Option 2');
    expect(html).toContain('<input type="radio" name="r-radio" value="y"> Option y');
  });

  it('shows what it cannot render instead of dropping it', () => {
    expect(renderBlock({ type: 'rich_text', elements: [] }, ctx)).toBe('<div class="bk-unsupported">unsupported block: rich_text</div>');
    expect(renderBlock({ type: 'video' }, ctx)).toContain('unsupported block: video');
    expect(renderBlocks([{ type: 'actions', elements: [{ type: 'workflow_button' }] }], ctx)).toContain('unsupported element: workflow_button');
    expect(renderBlock({ type: 'input', label: t('x'), element: { type: 'file_input' } }, ctx)).toContain('unsupported element: file_input');
    expect(renderBlock({ type: '<img src=x onerror=alert(1)>' }, ctx)).toContain('unsupported block: &lt;img src=x onerror=alert(1)&gt;');
  });

  it('escapes plain text, attribute values and option labels', () => {
    const evil = '"><script>alert(1)</script>';
    const html = renderBlocks(
      [
        { type: 'header', text: t(evil) },
        { type: 'actions', block_id: evil, elements: [{ type: 'button', action_id: evil, value: evil, text: t(evil) }, { type: 'static_select', action_id: 's', options: [{ text: t(evil), value: evil }] }] },
        { type: 'context', elements: [t(evil), { type: 'mrkdwn', text: evil }] },
        { type: 'input', block_id: 'i', label: t(evil), element: { type: 'plain_text_input', action_id: 'i', initial_value: evil, multiline: true } },
      ],
      ctx,
    );
    expect(html).not.toMatch(/<script/i);
    expect(new Set(tagsOf(html))).toEqual(new Set(['h3', 'div', 'button', 'select', 'option', 'span', 'label', 'textarea']));
    expect(html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
