import { describe, expect, it } from 'vitest';
import { validateBlocks, validateView } from '../../../src/fake-slack/blockkit.js';

const plain = (text: string) => ({ type: 'plain_text', text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const section = (text: string, extra: Record<string, unknown> = {}) => ({ type: 'section', text: mrkdwn(text), ...extra });
const button = (text: string, extra: Record<string, unknown> = {}) => ({ type: 'button', text: plain(text), action_id: 'a', ...extra });
const option = (text: string, value = text) => ({ text: plain(text), value });
const input = (label: string, element: Record<string, unknown> = { type: 'plain_text_input', action_id: 'v' }) => ({
  type: 'input',
  label: plain(label),
  element,
});

const validCard = [
  { type: 'header', text: plain('REL-1 payments-api 1.2.3') },
  section('*Requested by* <@U0DEV1>', { block_id: 'summary', accessory: button('Details', { value: 'REL-1' }) }),
  { type: 'section', fields: [mrkdwn('*Env*\nproduction'), mrkdwn('*Risk*\nhigh')] },
  { type: 'divider' },
  { type: 'context', elements: [mrkdwn('stage: review'), { type: 'image', image_url: 'https://example.com/i.png', alt_text: 'x' }] },
  {
    type: 'actions',
    block_id: 'stage_actions',
    elements: [
      button('Approve', { action_id: 'approve', style: 'primary', value: '1' }),
      button('Request changes', { action_id: 'changes', value: '1' }),
      button('Roll back', {
        action_id: 'rollback',
        style: 'danger',
        confirm: { title: plain('Roll back?'), text: mrkdwn('Really?'), confirm: plain('Yes'), deny: plain('No') },
      }),
      { type: 'overflow', action_id: 'more', options: [option('Edit'), option('Cancel')] },
      { type: 'static_select', action_id: 'pick', placeholder: plain('Pick'), options: [option('A'), option('B')] },
    ],
  },
  { type: 'image', image_url: 'https://example.com/chart.png', alt_text: 'chart', title: plain('Chart') },
  { type: 'rich_text', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: 'hi' }] }] },
];

function only(errors: string[]): string {
  expect(errors).toHaveLength(1);
  return errors[0] ?? '';
}

describe('validateBlocks', () => {
  it('accepts a realistic release card', () => {
    expect(validateBlocks(validCard, 'message')).toEqual([]);
  });

  it('limits messages to 50 blocks and views to 100', () => {
    const fifty = Array.from({ length: 50 }, () => ({ type: 'divider' }));
    expect(validateBlocks(fifty, 'message')).toEqual([]);
    expect(only(validateBlocks([...fifty, { type: 'divider' }], 'message'))).toBe('must provide no more than 50 items [json-pointer:/blocks]');
    const hundred = Array.from({ length: 100 }, () => ({ type: 'divider' }));
    expect(validateBlocks(hundred, 'modal')).toEqual([]);
    expect(validateBlocks([...hundred, { type: 'divider' }], 'home')[0]).toContain('no more than 100');
  });

  it('limits section text to 3000 characters and rejects empty text', () => {
    expect(validateBlocks([section('x'.repeat(3000))], 'message')).toEqual([]);
    expect(only(validateBlocks([section('x'.repeat(3001))], 'message'))).toBe(
      'must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
    );
    expect(only(validateBlocks([section('')], 'message'))).toContain('more than 0 characters');
    expect(only(validateBlocks([{ type: 'section' }], 'message'))).toContain('either `text` or `fields`');
  });

  it('limits section fields to 10 of at most 2000 characters', () => {
    const fields = (n: number, len = 5) => Array.from({ length: n }, () => mrkdwn('y'.repeat(len)));
    expect(validateBlocks([{ type: 'section', fields: fields(10) }], 'message')).toEqual([]);
    expect(only(validateBlocks([{ type: 'section', fields: fields(11) }], 'message'))).toContain('no more than 10 items');
    expect(only(validateBlocks([{ type: 'section', fields: fields(1, 2001) }], 'message'))).toContain('/blocks/0/fields/0/text');
  });

  it('limits button text to 75 plain_text characters, value to 2000, url to 3000, style to primary|danger', () => {
    const actions = (el: Record<string, unknown>) => [{ type: 'actions', elements: [el] }];
    expect(validateBlocks(actions(button('b'.repeat(75))), 'message')).toEqual([]);
    expect(only(validateBlocks(actions(button('b'.repeat(76))), 'message'))).toBe(
      'must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]',
    );
    expect(only(validateBlocks(actions({ ...button('ok'), text: mrkdwn('ok') }), 'message'))).toContain('must be plain_text');
    expect(only(validateBlocks(actions(button('ok', { value: 'v'.repeat(2001) })), 'message'))).toContain('/value');
    expect(only(validateBlocks(actions(button('ok', { url: `https://e.com/${'u'.repeat(3000)}` })), 'message'))).toContain('/url');
    expect(only(validateBlocks(actions(button('ok', { style: 'secondary' })), 'message'))).toContain('primary, danger');
    expect(only(validateBlocks(actions(button('ok', { action_id: 'a'.repeat(256) })), 'message'))).toContain('/action_id');
  });

  it('checks confirm dialogs', () => {
    const confirm = { title: plain('t'.repeat(101)), text: plain('ok'), confirm: plain('Yes'), deny: plain('No') };
    const errors = validateBlocks([{ type: 'actions', elements: [button('Go', { confirm })] }], 'message');
    expect(only(errors)).toContain('/confirm/title/text');
    const longButtons = { title: plain('t'), text: plain('x'.repeat(301)), confirm: plain('c'.repeat(31)), deny: plain('No') };
    expect(validateBlocks([{ type: 'actions', elements: [button('Go', { confirm: longButtons })] }], 'message')).toHaveLength(2);
  });

  it('requires unique block_ids (≤ 255) and unique action_ids within a block', () => {
    expect(only(validateBlocks([section('a', { block_id: 'x' }), section('b', { block_id: 'x' })], 'message'))).toBe(
      'duplicate block_id: x [json-pointer:/blocks/1/block_id]',
    );
    expect(only(validateBlocks([section('a', { block_id: 'b'.repeat(256) })], 'message'))).toContain('less than 256');
    const dup = [{ type: 'actions', elements: [button('A', { action_id: 'same' }), button('B', { action_id: 'same' })] }];
    expect(only(validateBlocks(dup, 'message'))).toContain('duplicate action_id: same');
  });

  it('limits actions to 25 elements, context to 10, header to 150 plain_text characters', () => {
    const buttons = (n: number) => Array.from({ length: n }, (_, i) => button(`b${i}`, { action_id: `a${i}` }));
    expect(validateBlocks([{ type: 'actions', elements: buttons(25) }], 'message')).toEqual([]);
    expect(only(validateBlocks([{ type: 'actions', elements: buttons(26) }], 'message'))).toContain('no more than 25');
    const ctx = (n: number) => ({ type: 'context', elements: Array.from({ length: n }, () => mrkdwn('c')) });
    expect(validateBlocks([ctx(10)], 'message')).toEqual([]);
    expect(only(validateBlocks([ctx(11)], 'message'))).toContain('no more than 10');
    expect(only(validateBlocks([{ type: 'header', text: plain('h'.repeat(151)) }], 'message'))).toContain('less than 151');
    expect(only(validateBlocks([{ type: 'header', text: mrkdwn('h') }], 'message'))).toContain('must be plain_text');
  });

  it('checks select and overflow options', () => {
    const select = (options: unknown[]) => [{ type: 'actions', elements: [{ type: 'static_select', action_id: 's', options }] }];
    expect(only(validateBlocks(select([option('o'.repeat(76), 'v')]), 'message'))).toContain('/options/0/text/text');
    expect(only(validateBlocks(select([option('o', 'v'.repeat(151))]), 'message'))).toContain('/options/0/value');
    expect(only(validateBlocks(select(Array.from({ length: 101 }, (_, i) => option(`o${i}`))), 'message'))).toContain('no more than 100');
    const overflow = (n: number) => [
      section('s', { accessory: { type: 'overflow', action_id: 'o', options: Array.from({ length: n }, (_, i) => option(`o${i}`)) } }),
    ];
    expect(validateBlocks(overflow(2), 'message')).toEqual([]);
    expect(validateBlocks(overflow(5), 'message')).toEqual([]);
    expect(only(validateBlocks(overflow(1), 'message'))).toContain('at least 2');
    expect(only(validateBlocks(overflow(6), 'message'))).toContain('no more than 5');
  });

  it('rejects unknown types, misplaced elements and unknown properties', () => {
    expect(only(validateBlocks([{ type: 'sectoin' }], 'message'))).toBe('unsupported type: sectoin [json-pointer:/blocks/0/type]');
    expect(only(validateBlocks([{ type: 'actions', elements: [{ type: 'buton', text: plain('x') }] }], 'message'))).toContain(
      'unsupported type: buton',
    );
    expect(only(validateBlocks([{ type: 'actions', elements: [{ type: 'plain_text_input', action_id: 'x' }] }], 'message'))).toContain(
      'not allowed here',
    );
    expect(only(validateBlocks([section('x', { acessory: {} })], 'message'))).toBe(
      'invalid additional property: acessory [json-pointer:/blocks/0/acessory]',
    );
    expect(only(validateBlocks([{ type: 'divider', text: plain('x') }], 'message'))).toContain('invalid additional property: text');
    expect(validateBlocks('nope', 'message')).toEqual(['must provide an array [json-pointer:/blocks]']);
  });

  it('allows input blocks in modals but not in messages, with Slack limits', () => {
    expect(validateBlocks([input('Version')], 'modal')).toEqual([]);
    expect(only(validateBlocks([input('Version')], 'message'))).toContain('not supported in message');
    expect(only(validateBlocks([input('l'.repeat(2001))], 'modal'))).toContain('/blocks/0/label/text');
    expect(only(validateBlocks([{ ...input('x'), hint: plain('h'.repeat(2001)) }], 'modal'))).toContain('/hint/text');
    expect(only(validateBlocks([input('x', { type: 'plain_text_input', action_id: 'v', max_length: 3001 })], 'modal'))).toContain('max_length');
    expect(
      only(validateBlocks([input('x', { type: 'plain_text_input', action_id: 'v', placeholder: plain('p'.repeat(151)) })], 'modal')),
    ).toContain('/placeholder/text');
    expect(only(validateBlocks([input('x', { type: 'button', text: plain('no'), action_id: 'b' })], 'modal'))).toContain('not allowed');
    const allInputs = [
      { type: 'datepicker', action_id: 'a', initial_date: '2026-05-01' },
      { type: 'timepicker', action_id: 'a', initial_time: '10:30' },
      { type: 'datetimepicker', action_id: 'a', initial_date_time: 1_767_225_600 },
      { type: 'users_select', action_id: 'a' },
      { type: 'multi_users_select', action_id: 'a', initial_users: ['U1'] },
      { type: 'conversations_select', action_id: 'a' },
      { type: 'checkboxes', action_id: 'a', options: [option('x')] },
      { type: 'radio_buttons', action_id: 'a', options: [option('x'), option('y')] },
      { type: 'number_input', action_id: 'a', is_decimal_allowed: false },
      { type: 'url_text_input', action_id: 'a' },
      { type: 'email_text_input', action_id: 'a' },
    ];
    for (const el of allInputs) expect(validateBlocks([input('x', el)], 'modal'), el.type).toEqual([]);
    expect(only(validateBlocks([input('x', { type: 'datepicker', action_id: 'a', initial_date: '01/05/2026' })], 'modal'))).toContain(
      'YYYY-MM-DD',
    );
    expect(only(validateBlocks([input('x', { type: 'number_input', action_id: 'a' })], 'modal'))).toContain('is_decimal_allowed');
  });
});

describe('validateView', () => {
  const modal = (extra: Record<string, unknown> = {}) => ({
    type: 'modal',
    callback_id: 'release_request',
    title: plain('Request a release'),
    submit: plain('Request'),
    close: plain('Cancel'),
    blocks: [input('Service')],
    ...extra,
  });

  it('accepts a valid modal and a valid home view', () => {
    expect(validateView(modal())).toEqual([]);
    expect(validateView({ type: 'home', blocks: [section('Waiting on you')] })).toEqual([]);
  });

  it('limits the modal title, submit and close to 24 plain_text characters', () => {
    expect(validateView(modal({ title: plain('t'.repeat(24)) }))).toEqual([]);
    expect(only(validateView(modal({ title: plain('t'.repeat(25)) })))).toBe(
      'must be less than 25 characters [json-pointer:/view/title/text]',
    );
    expect(only(validateView(modal({ submit: plain('s'.repeat(25)) })))).toContain('/view/submit/text');
    expect(only(validateView(modal({ close: mrkdwn('Cancel') })))).toContain('must be plain_text');
    expect(only(validateView(modal({ title: undefined })))).toContain('missing required field: title');
  });

  it('requires submit when the modal has input blocks', () => {
    expect(only(validateView(modal({ submit: undefined })))).toBe(
      'must provide submit property when using input blocks [json-pointer:/view]',
    );
    expect(validateView(modal({ submit: undefined, blocks: [section('read only')] }))).toEqual([]);
  });

  it('limits callback_id, private_metadata, external_id and blocks', () => {
    expect(only(validateView(modal({ callback_id: 'c'.repeat(256) })))).toContain('/view/callback_id');
    expect(validateView(modal({ private_metadata: 'p'.repeat(3000) }))).toEqual([]);
    expect(only(validateView(modal({ private_metadata: 'p'.repeat(3001) })))).toContain('/view/private_metadata');
    expect(only(validateView(modal({ external_id: 'e'.repeat(256) })))).toContain('/view/external_id');
    const blocks = Array.from({ length: 101 }, () => ({ type: 'divider' }));
    expect(only(validateView(modal({ blocks })))).toContain('/view/blocks');
    expect(only(validateView({ type: 'dialog', blocks: [] }))).toContain('modal, home');
    expect(only(validateView(modal({ titel: 'x' })))).toContain('invalid additional property: titel');
  });
});
