import { describe, expect, it } from 'vitest';
import { actorText } from '../../../src/slack/format';

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
