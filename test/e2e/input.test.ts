/** Bad and malicious input in the request modal: inline errors keyed by block, and escaped text on the card. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubmitValue } from '../../src/fake-slack';
import type { Harness } from '../support/harness';
import { ACTIONS } from '../../src/slack/ids';
import {
  BOT_TOKEN,
  CHANNELS,
  DEFAULT_REQUEST,
  U,
  allTexts,
  apiRequest,
  getRelease,
  isTopLevel,
  requestRelease,
  responsesTo,
  startHarness,
  textOf,
} from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function openRequestModal(user: string = U.requester) {
  const before = h.fake.openViews(user).length;
  await h.driver.command(user, '');
  return h.fake.waitFor(() => (h.fake.openViews(user).length > before ? h.fake.openViews(user).at(-1) : undefined), { description: 'the request modal' });
}

async function auditCount(action: string): Promise<number> {
  const res = await apiRequest(h, 'GET', '/api/v1/audit?limit=1000');
  return (res.body as { items: { action: string }[] }).items.filter((e) => e.action === action).length;
}

const cardsIn = (channel: string) => h.fake.messages(channel).filter((m) => isTopLevel(m) && textOf(m).includes('REL-'));

describe('the request modal refuses bad input inline', () => {
  const cases: [string, Record<string, SubmitValue>, string, string][] = [
    ['an empty version', { Version: '   ' }, 'version', 'Version is required.'],
    ['a version with spaces', { Version: '1.4 beta' }, 'version', 'Version cannot contain spaces.'],
    ['a 3,001-character changelog', { Changelog: 'x'.repeat(3001) }, 'changelog', 'Changelog is 3,001 characters; the limit is 3,000.'],
    ['an empty rollback plan', { 'Rollback plan': '' }, 'rollback_plan', 'Rollback plan is required.'],
    [
      'a past deploy date and time',
      { 'Deploy date and time': Math.floor(Date.now() / 1000) - 3600 },
      'desired_at',
      'Deploy date and time is in the past. Pick a time in the future.',
    ],
    ['an unknown service', { Service: { text: 'billing', value: 'billing' } }, 'service', 'Unknown service "billing". Known services: payments-api, web.'],
    ['a bad link', { Links: 'javascript:alert(1)' }, 'links', 'Links must be http(s) URLs, one per line.'],
    ['a link that breaks out of <…|…>', { Links: 'https://ok.example/a|<!channel>' }, 'links', 'Links must be http(s) URLs, one per line.'],
    ['an unknown risk', { Risk: { text: 'extreme', value: 'extreme' } }, 'risk', 'Risk must be low, medium or high.'],
  ];

  it.each(cases)('%s → response_action errors on the right block, no release', async (_name, values, block, message) => {
    const requested = await auditCount('release.requested');
    const cards = cardsIn(CHANNELS.payments).length;
    const view = await openRequestModal();
    const res = await h.driver.submitView(U.requester, view.id, { ...DEFAULT_REQUEST, ...values }, { skipClientValidation: true });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ response_action: 'errors', errors: { [block]: message } });
    // the block id exists in the modal, so Slack shows the error under that input
    expect(view.blocks.some((b) => (b as { block_id?: string }).block_id === block)).toBe(true);
    expect(res.outcome.outcome).toBe('errors');
    expect(h.fake.openViews(U.requester).some((v) => v.id === view.id)).toBe(true);
    expect(await auditCount('release.requested')).toBe(requested);
    expect(cardsIn(CHANNELS.payments)).toHaveLength(cards);

    // fixing the input in the same modal then works (the refused submission left no idempotency key behind)
    const fixed = await h.driver.submitView(U.requester, view.id, { ...DEFAULT_REQUEST, Version: '2.0.0' });
    expect(fixed.outcome.outcome).toBe('closed');
    await h.fake.waitFor(() => cardsIn(CHANNELS.payments).length > cards);
    expect(await auditCount('release.requested')).toBe(requested + 1);
  });
});

describe('links in the request modal', () => {
  it('one per line, or separated by spaces or ", "; a comma inside a URL stays in it', async () => {
    const grafana = 'https://grafana.example/d/abc?var-host=web-1,web-2&from=now-1h';
    const { id } = await requestRelease(h, U.requester, { Links: `${grafana}\nhttps://ci.example/run/1, https://ci.example/run/2 https://ci.example/run/3,https://ci.example/run/4` });
    const release = (await apiRequest(h, 'GET', `/api/v1/releases/${id}`)).body as { links: string[] };
    expect(release.links).toEqual([grafana, 'https://ci.example/run/1', 'https://ci.example/run/2', 'https://ci.example/run/3', 'https://ci.example/run/4']);
  });
});

describe('user text is escaped for mrkdwn everywhere Greenlight shows it', () => {
  const evil = 'Ping <!channel> & <!here> then <https://evil.example|click> and <@U0RM>';

  it('shows <!channel>, links and & escaped on the card, its thread and the DM', async () => {
    const { id, card } = await requestRelease(h, U.requester, {
      Title: `Title ${evil}`,
      Changelog: `Changelog ${evil}`,
      'Rollback plan': `Rollback ${evil}`,
    });
    const texts = allTexts(card);
    const joined = texts.join('\n');
    expect(joined).toContain('Ping &lt;!channel&gt; &amp; &lt;!here&gt; then &lt;https://evil.example|click&gt; and &lt;@U0RM&gt;');
    await h.fake.waitFor(() => h.fake.dms(U.requester).some((m) => m.text.includes(`REL-${id}`)));
    const related = [
      ...texts,
      ...h.fake.thread(CHANNELS.payments, card.ts).flatMap(allTexts),
      ...h.fake.dms(U.requester).filter((m) => m.text.includes(`REL-${id}`)).flatMap(allTexts),
    ];
    for (const t of related) {
      expect(t).not.toContain('<!channel>');
      expect(t).not.toContain('<!here>');
      expect(t).not.toContain('<https://evil.example');
      expect(t).not.toContain('<@U0RM>');
      // every & is the start of an entity
      expect(t.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
    }
    // the stored text is what was typed
    const r = await getRelease(h, id);
    expect(r.changelog).toBe(`Changelog ${evil}`);

    // /release status shows the same escaped card
    const status = await h.driver.command(U.outsider, `status REL-${id}`);
    for (const t of allTexts(status.body as { text?: string; blocks?: unknown })) expect(t).not.toContain('<!channel>');
  });

  it('escapes a Request changes reason on the card, in the thread and in the DM', async () => {
    const { id, card } = await requestRelease(h);
    const at = { channel: CHANNELS.payments, ts: card.ts };
    await h.driver.clickButton(U.reviewer, at, 'Request changes');
    const modal = await h.fake.waitFor(() => h.fake.openViews(U.reviewer).find((v) => v.callback_id === 'release.reason'));
    await h.driver.submitView(U.reviewer, modal.id, { Reason: `Reason ${evil}` });
    await h.fake.waitFor(() => h.fake.thread(CHANNELS.payments, card.ts).some((m) => m.text.includes('requested changes')));
    await h.fake.waitFor(() => h.fake.dms(U.requester).some((m) => m.text.includes('requested changes to') && m.text.includes(`REL-${id}`)));
    const current = h.fake.message(CHANNELS.payments, card.ts);
    expect(current).toBeDefined();
    const related = [
      ...allTexts(current ?? {}),
      ...h.fake.thread(CHANNELS.payments, card.ts).flatMap(allTexts),
      ...h.fake.dms(U.requester).filter((m) => m.text.includes(`REL-${id}`)).flatMap(allTexts),
    ];
    expect(related.join('\n')).toContain('Reason Ping &lt;!channel&gt;');
    for (const t of related) {
      expect(t).not.toContain('<!channel>');
      expect(t).not.toContain('<https://evil.example');
    }
  });

  it('escapes a version that carries a mention in the card fallback text and the DM', async () => {
    const { id, card } = await requestRelease(h, U.requester, { Version: '1.0.0<!channel>' });
    await h.fake.waitFor(() => h.fake.dms(U.requester).some((m) => m.text.includes(`REL-${id}`)));
    // the DM after Request changes names the version too
    await h.driver.clickButton(U.reviewer, { channel: CHANNELS.payments, ts: card.ts }, 'Request changes');
    const modal = await h.fake.waitFor(() => h.fake.openViews(U.reviewer).find((v) => v.callback_id === 'release.reason'));
    await h.driver.submitView(U.reviewer, modal.id, { Reason: 'Use a real version' });
    await h.fake.waitFor(() => h.fake.dms(U.requester).some((m) => m.text.includes('requested changes to') && m.text.includes(`REL-${id}`)));
    expect(h.fake.dms(U.requester).find((m) => m.text.includes(`REL-${id}`))?.text).toContain('1.0.0&lt;!channel&gt;');
    const related = [...allTexts(card), ...h.fake.dms(U.requester).filter((m) => m.text.includes(`REL-${id}`)).flatMap(allTexts)];
    // the header is plain_text (rendered as typed, never a mention); every mrkdwn text must be escaped
    const mrkdwn = related.filter((t) => !t.startsWith(`REL-${id} · `));
    for (const t of mrkdwn) expect(t).not.toContain('<!channel>');
  });

  it('accepts a 3,000-character changelog and keeps the card within Slack limits', async () => {
    const changelog = ('<b>&</b> ' + 'x'.repeat(91)).repeat(30).slice(0, 3000);
    expect(changelog).toHaveLength(3000);
    const cardsBefore = h.fake.callsTo('chat.postMessage').filter((c) => !c.ok).length;
    const { id, card } = await requestRelease(h, U.requester, { Changelog: changelog, 'Rollback plan': 'y'.repeat(3000) });
    expect(h.fake.callsTo('chat.postMessage').filter((c) => !c.ok).length).toBe(cardsBefore);
    const r = await getRelease(h, id);
    expect(r.changelog).toBe(changelog);
    for (const t of allTexts(card)) expect(t.length).toBeLessThanOrEqual(3000);
    expect(textOf(card)).toContain('&lt;b&gt;&amp;&lt;/b&gt;');
    // updates stay valid too
    await h.driver.clickButton(U.reviewer, { channel: CHANNELS.payments, ts: card.ts }, 'Approve');
    await h.fake.waitFor(() => h.fake.thread(CHANNELS.payments, card.ts).some((m) => m.text.includes(`<@${U.reviewer}> approved`)));
    expect(h.fake.callsTo('chat.update').filter((c) => !c.ok)).toHaveLength(0);
    const status = await h.driver.command(U.outsider, `status REL-${id}`);
    expect(status.status).toBe(200);
    expect(JSON.stringify(status.body)).toContain(`REL-${id}`);
  });
});

describe('long lists on the card', () => {
  it('shows every link whole when they pass a section\'s 3,000 characters together', async () => {
    const links = Array.from({ length: 6 }, (_, i) => `https://ci.example/run/${i}/${'z'.repeat(471)}`);
    // within the 3,000 a release may have, but over a section's 3,000 once shown as <url> under the heading
    expect(links.join('\n').length).toBeLessThanOrEqual(3000);
    expect(`*Links*\n${links.map((l) => `<${l}>`).join('\n')}`.length).toBeGreaterThan(3000);
    const created = await apiRequest(h, 'POST', '/api/v1/releases', {
      body: { service: 'payments-api', version: '7.7.7', environment: 'production', changelog: 'Many links', rollback_plan: 'Redeploy', risk: 'low', requested_by: U.requester, links },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = Number(/\d+/.exec((created.body as { id: string }).id)?.[0]);
    const card = await h.fake.waitFor(() => cardsIn(CHANNELS.payments).find((m) => textOf(m).includes(`REL-${id} ·`)));
    const sections = (card.blocks ?? []).flatMap((b) => ((b as { type: string }).type === 'section' ? [(b as { text?: { text?: string } }).text?.text ?? ''] : []));
    for (const s of sections) expect(s.length).toBeLessThanOrEqual(3000);
    for (const l of links) expect(sections.join('\n')).toContain(`<${l}>`);
  });
});

describe('a button whose value cannot be read', () => {
  it('gets a private answer, for Schedule and Emergency override too, instead of silence', async () => {
    // a message with Greenlight's buttons carrying a value it never wrote (an old or tampered message)
    const posted = await fetch(`${h.fake.url}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({
        channel: CHANNELS.payments,
        text: 'old buttons',
        blocks: [
          {
            type: 'actions',
            elements: [
              { type: 'button', text: { type: 'plain_text', text: 'Schedule' }, action_id: ACTIONS.schedule, value: 'not-a-release' },
              { type: 'button', text: { type: 'plain_text', text: 'Emergency override' }, action_id: ACTIONS.override, value: 'not-a-release' },
            ],
          },
        ],
      }),
    });
    const { ts } = (await posted.json()) as { ts: string };
    for (const label of ['Schedule', 'Emergency override']) {
      const before = responsesTo(h, U.ops, 'That button is out of date').length;
      expect((await h.driver.clickButton(U.ops, { channel: CHANNELS.payments, ts }, label)).status).toBe(200);
      await h.fake.waitFor(() => responsesTo(h, U.ops, 'That button is out of date').length > before || undefined, { description: `the answer to ${label}` });
    }
  });
});

describe('a card Slack refuses to post', () => {
  it('tells the requester where it could not go and what to do, instead of pointing at a card that is not there', async () => {
    h.fake.failNext('chat.postMessage', { error: 'not_in_channel' });
    const created = await apiRequest(h, 'POST', '/api/v1/releases', {
      body: { service: 'payments-api', version: '8.8.8', environment: 'production', changelog: 'x', rollback_plan: 'y', risk: 'low', requested_by: U.requester },
    });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    const dm = await h.fake.waitFor(() => h.fake.dms(U.requester).find((m) => m.text.includes(`${id} (`)), { description: 'the confirmation DM' });
    expect(dm.text).toContain(`Its card could not be posted in <#${CHANNELS.payments}>: invite Greenlight there`);
    expect(dm.text).not.toContain('Its card is in');
    expect(cardsIn(CHANNELS.payments).some((m) => textOf(m).includes(`${id} ·`))).toBe(false);
  });
});
