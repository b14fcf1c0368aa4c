import { describe, expect, it } from 'vitest';
import { actorText, mrkdwnToPlain } from '../../../src/slack/format';

describe('actorText', () => {
  it('mentions Slack users, Enterprise Grid ones (W…) included', () => {
    expect(actorText('U0OPS', 'x')).toBe('<@U0OPS>');
    expect(actorText('W0GRID1', 'x')).toBe('<@W0GRID1>');
  });

  it('names a program as text, never as a broken mention, and escapes it', () => {
    expect(actorText('ci', 'x')).toBe('ci');
    expect(actorText('api<!channel>', 'x')).toBe('api&lt;!channel&gt;');
    expect(actorText(null, 'the deploy pipeline')).toBe('the deploy pipeline');
    expect(actorText('', 'Greenlight')).toBe('Greenlight');
  });
});

describe('mrkdwnToPlain (for modal inline errors, which Slack shows as typed)', () => {
  it('drops emoji codes, bold and code marks, keeps link and date text, decodes entities', () => {
    expect(mrkdwnToPlain(':no_entry_sign: REL-4 is *not ready*: run `/release why REL-4`.')).toBe('REL-4 is not ready: run /release why REL-4.');
    expect(mrkdwnToPlain('See <https://ci.example/1|the run> and <https://ci.example/2>')).toBe('See the run and https://ci.example/2');
    expect(mrkdwnToPlain('at <!date^1796000000^{date_short}|Tue 8 Dec 10:00>')).toBe('at Tue 8 Dec 10:00');
    expect(mrkdwnToPlain('Freeze: a &lt;b&gt; &amp; c')).toBe('Freeze: a <b> & c');
  });

  it('leaves times alone (a colon pair is not an emoji code unless it starts with a letter)', () => {
    expect(mrkdwnToPlain('opens Tue 10:00:00 CET')).toBe('opens Tue 10:00:00 CET');
  });
});
