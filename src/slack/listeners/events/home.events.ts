/** `app_home_opened`: publish the person's Home (thin: parse, call one use case). */
import { z } from 'zod';
import type { SlackRouter } from '../../router';
import type { Deps } from '../../../usecases/deps';
import { publishHome } from '../../../usecases/home';

const homeOpenedSchema = z.looseObject({
  user: z.string().regex(/^[UW][A-Z0-9]+$/),
  tab: z.string().optional(),
});

export function registerHomeEvents(app: SlackRouter, deps: Deps): void {
  app.event('app_home_opened', async ({ event }) => {
    const parsed = homeOpenedSchema.safeParse(event);
    if (!parsed.success || (parsed.data.tab !== undefined && parsed.data.tab !== 'home')) return;
    const user = parsed.data.user;
    try {
      if (deps.homes) await deps.homes.opened(user);
      else await publishHome(deps, user);
    } catch (err) {
      deps.logger.warn({ user, err: (err as Error).message }, 'could not publish App Home');
    }
  });
}
