/** `/release …` subcommands: answers are ephemeral, refusals change nothing, roles edited in Slack take effect. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/db/audit.repo';
import type { Harness } from '../support/harness';
import {
  CHANNELS,
  U,
  apiRequest,
  forgedSubmission,
  approveAndWait,
  getRelease,
  releaseState,
  requestRelease,
  responsesTo,
  startHarness,
  textOf,
  threadLines,
  waitForCard,
} from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/** The ephemeral answer to `/release <text>` (Greenlight answers in the HTTP response). */
async function ask(user: string, text: string): Promise<{ text: string; all: string }> {
  const res = await h.driver.command(user, text);
  expect(res.status).toBe(200);
  const body = res.body as { response_type?: string; text?: string; blocks?: unknown };
  expect(body.response_type).toBe('ephemeral');
  return { text: body.text ?? '', all: textOf(body) };
}

describe('/release subcommands', () => {
  it('help lists the commands', async () => {
    const { all } = await ask(U.outsider, 'help');
    for (const c of ['/release list', '/release status REL-n', '/release edit REL-n', '/release cancel REL-n', '/release why REL-n', '/release audit REL-n', '/release roles'])
      expect(all).toContain(c);
  });

  it('list shows open releases', async () => {
    const a = await requestRelease(h, U.requester, { Version: '3.1.0' });
    const b = await requestRelease(h, U.reviewer, { Version: '3.2.0' });
    const { all } = await ask(U.outsider, 'list');
    expect(all).toContain(`*REL-${a.id}* payments-api \`3.1.0\``);
    expect(all).toContain(`*REL-${b.id}* payments-api \`3.2.0\``);
    expect(all).toContain(`<@${U.reviewer}>`);
  });

  it('status REL-n shows the card without buttons', async () => {
    const { id } = await requestRelease(h);
    const res = await h.driver.command(U.outsider, `status REL-${id}`);
    const body = res.body as { blocks: { type: string }[] };
    const all = textOf(res.body as { blocks: unknown });
    expect(all).toContain(`REL-${id} · payments-api 1.4.2`);
    expect(all).toContain('Initial review');
    expect(body.blocks.some((b) => b.type === 'actions')).toBe(false);
    // bare ids and lower case work too
    expect((await ask(U.outsider, `rel-${id}`)).all).toContain(`REL-${id} · payments-api`);
    expect((await ask(U.outsider, `status ${id}`)).all).toContain(`REL-${id} · payments-api`);
  });

  it('audit REL-n shows the trail', async () => {
    const { id, card } = await requestRelease(h);
    await approveAndWait(h, U.reviewer, { channel: CHANNELS.payments, ts: card.ts });
    const { text, all } = await ask(U.outsider, `audit REL-${id}`);
    expect(text).toBe(`Audit trail of REL-${id} (2 events)`);
    expect(all).toContain('`release.requested`');
    expect(all).toContain('`approval.granted`');
    expect(all).toContain(`<@${U.reviewer}>`);
  });

  it('audit REL-n on a long trail keeps the latest events and says the earliest are cut', async () => {
    const { id } = await requestRelease(h);
    const at = Date.now();
    for (let i = 0; i < 700; i++) appendAudit(h.gl.database.db, { at: at + i, releaseId: id, actor: U.outsider, action: 'approval.denied', details: { reason: 'not_in_role', n: i } });
    appendAudit(h.gl.database.db, { at: at + 700, releaseId: id, actor: U.rm, action: 'release.cancelled', details: { reason: 'the latest event' } });
    const { all } = await ask(U.outsider, `audit REL-${id}`);
    expect(all).toContain('the latest event');
    expect(all).toContain('n: 699');
    expect(all).toContain('Earlier events are cut');
    expect(all).not.toContain('`release.requested`');
    // the API's release view also keeps the latest ones
    const res = await apiRequest(h, 'GET', `/api/v1/releases/${id}`);
    const audit = (res.body as { audit: { action: string }[] }).audit;
    expect(audit.at(-1)?.action).toBe('release.cancelled');
  });

  it('why REL-n names what holds the release and who can act', async () => {
    const { id } = await requestRelease(h);
    const { all } = await ask(U.outsider, `why REL-${id}`);
    expect(all).toContain(`REL-${id} is *Initial review*`);
    expect(all).toContain(`1 more Developer approval for *Initial review* — from <@${U.reviewer}>`);
    expect(all).not.toContain(`from <@${U.requester}>`);
    expect(all).toContain('Readiness *Tests complete* is pending');
  });

  it('cancel REL-n: the requester may, an outsider may not', async () => {
    const { id, card } = await requestRelease(h);
    const before = await releaseState(h, id);
    const refused = await ask(U.outsider, `cancel REL-${id}`);
    expect(refused.text).toBe(`:no_entry_sign: Only the requester or a release manager can cancel REL-${id}.`);
    const afterRefusal = await getRelease(h, id);
    const { audit, ...rest } = afterRefusal;
    expect(rest).toEqual(before);
    expect(audit.some((e) => e.action === 'cancel.denied' && e.actor === U.outsider)).toBe(true);

    const ok = await ask(U.requester, `cancel REL-${id} wrong build`);
    expect(ok.text).toBe(`:heavy_multiplication_x: REL-${id} is cancelled.`);
    const cancelled = await waitForCard(h, CHANNELS.payments, id, (t) => t.includes('*Cancelled:* wrong build'));
    expect(textOf(cancelled)).not.toContain('"Approve"');
    await h.fake.waitFor(() => threadLines(h, CHANNELS.payments, card.ts, `<@${U.requester}> cancelled this release: wrong build`)[0]);
    expect((await getRelease(h, id)).state).toBe('cancelled');

    // a cancelled release can't be cancelled again, and it leaves the list
    expect((await ask(U.requester, `cancel REL-${id}`)).text).toBe(`REL-${id} can't be cancelled now: it is cancelled.`);
    expect((await ask(U.outsider, 'list')).all).not.toContain(`*REL-${id}*`);
  });

  it('a release cancelled without a reason says so on its card, without markup shown as text', async () => {
    const { id, card } = await requestRelease(h);
    expect((await ask(U.requester, `cancel REL-${id}`)).text).toBe(`:heavy_multiplication_x: REL-${id} is cancelled.`);
    await h.fake.waitFor(() => threadLines(h, CHANNELS.payments, card.ts, `<@${U.requester}> cancelled this release.`)[0]);
    const cancelled = await waitForCard(h, CHANNELS.payments, id, (t) => t.includes('Cancelled'));
    // (who cancelled is in the thread; a mention stored as the reason used to show on the card as &lt;@U…&gt;)
    expect(textOf(cancelled)).not.toContain('&lt;@');
    expect(textOf(cancelled)).not.toContain('"Approve"');
  });

  it('an unknown release and unknown text get clear ephemeral answers', async () => {
    for (const sub of ['status', 'why', 'audit', 'edit', 'cancel']) {
      expect((await ask(U.outsider, `${sub} REL-999`)).text).toBe("REL-999 doesn't exist. `/release list` shows open releases.");
    }
    const usage = await ask(U.outsider, 'bogus');
    expect(usage.text).toContain("I don't know `/release bogus`");
    expect(usage.text).toContain('`/release help`');
    expect((await ask(U.outsider, 'status')).text).toBe('`/release status` needs a release id, like `/release status REL-12`.');
    // a command can't smuggle a mention through the echo
    expect((await ask(U.outsider, 'bogus <!channel>')).text).toContain('&lt;!channel&gt;');
  });
});

describe('/release roles', () => {
  it('shows the roles to a non-admin, and opens no modal', async () => {
    const { all } = await ask(U.outsider, 'roles');
    expect(all).toContain(`*QA*: <@${U.qa}>`);
    expect(all).toContain(`*Operations*: <@${U.ops}>, <@${U.ops2}>`);
    expect(all).toContain('Only admins (policy `admins`) can change roles.');
    expect(h.fake.openViews(U.outsider)).toHaveLength(0);
    expect((await ask(U.outsider, 'roles billing')).text).toBe('Unknown service "billing". Known services: payments-api, web.');
  });

  it('an admin edits QA in the modal; the new member can approve QA, and the change is audited', async () => {
    const { id, card } = await requestRelease(h);
    const at = { channel: CHANNELS.payments, ts: card.ts };
    await approveAndWait(h, U.reviewer, at);
    // before the edit the outsider may not approve QA
    await h.driver.clickButton(U.outsider, at, 'Approve');
    await h.fake.waitFor(() => responsesTo(h, U.outsider, `REL-${id} is waiting on *QA*`)[0]);

    const cmd = await h.driver.command(U.admin, 'roles');
    expect(cmd.status).toBe(200);
    const modal = await h.fake.waitFor(() => h.fake.openViews(U.admin).find((v) => v.callback_id === 'roles.edit'));
    expect(JSON.stringify(modal.blocks)).toContain(U.qa);
    const saved = await h.driver.submitView(U.admin, modal.id, { QA: [U.qa, U.outsider] });
    expect(saved.outcome.outcome).toBe('closed');

    const audit = await apiRequest(h, 'GET', '/api/v1/audit?limit=1000');
    const events = (audit.body as { items: { action: string; actor: string; release: string | null; details: Record<string, unknown> }[] }).items.filter(
      (e) => e.action === 'roles.updated',
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: U.admin, release: null, details: { scope: '*', role: 'qa', before: [U.qa], after: [U.qa, U.outsider] } });
    expect((await ask(U.outsider, 'roles')).all).toContain(`*QA*: <@${U.qa}>, <@${U.outsider}>`);

    await approveAndWait(h, U.outsider, at);
    const r = await getRelease(h, id);
    expect(r.state).toBe('signoff');
    expect(r.approvals.find((a) => a.stage === 'qa')).toMatchObject({ role: 'qa', user: U.outsider });
  });

  it('a non-admin who submits the roles modal anyway is refused inline', async () => {
    // only reachable by a forged view; the signed payload's user decides
    const cmd = await h.driver.command(U.admin, 'roles web');
    expect(cmd.status).toBe(200);
    const modal = await h.fake.waitFor(() => h.fake.openViews(U.admin).find((v) => v.callback_id === 'roles.edit' && v.private_metadata.includes('web')));
    const res = await forgedSubmission(h, U.admin, U.outsider, modal, { QA: [U.outsider] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ response_action: 'errors', errors: { role_developer: 'Only admins can change roles.' } });
    expect((await ask(U.outsider, 'roles web')).all).toContain(`*QA*: <@${U.qa}>, <@${U.outsider}>`);
    const audit = await apiRequest(h, 'GET', '/api/v1/audit?limit=1000');
    const items = (audit.body as { items: { action: string; actor: string; release: unknown; details: Record<string, unknown> }[] }).items;
    expect(items.filter((e) => e.action === 'roles.updated')).toHaveLength(1);
    // the refusal is audited like any other, with no release to attach it to
    expect(items.filter((e) => e.action === 'roles.denied')).toEqual([
      expect.objectContaining({ actor: U.outsider, release: null, details: { reason: 'not_admin', attempted: 'save', scope: 'web', via: 'modal' } }),
    ]);
  });
});
