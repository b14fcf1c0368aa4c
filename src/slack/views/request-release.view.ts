/** The request modal (`/release`), also used prefilled for `/release edit REL-n`. */
import type { InputBlock, ModalView, PlainTextOption } from '@slack/types';
import type { Release } from '../../db/release.repo';
import { ENVIRONMENTS, RISKS } from '../../domain/types';
import { givenTitle } from '../../usecases/release-input';
import { relId } from '../format';
import { CALLBACKS, REQUEST_FIELDS as F } from '../ids';
import { plain, section } from './kit';

export interface RequestModalMeta {
  mode: 'create' | 'edit';
  channel: string | null;
  releaseId?: number;
  rev?: number;
}

function option(text: string, value = text): PlainTextOption {
  return { text: plain(text, 75), value };
}

function textInput(
  id: string,
  label: string,
  opts: { multiline?: boolean; optional?: boolean; initial?: string; placeholder?: string; hint?: string } = {},
): InputBlock {
  return {
    type: 'input',
    block_id: id,
    label: plain(label),
    optional: opts.optional ?? false,
    ...(opts.hint ? { hint: plain(opts.hint) } : {}),
    element: {
      type: 'plain_text_input',
      action_id: id,
      multiline: opts.multiline ?? false,
      ...(opts.initial ? { initial_value: opts.initial } : {}),
      ...(opts.placeholder ? { placeholder: plain(opts.placeholder, 150) } : {}),
    },
  };
}

function selectInput(id: string, label: string, options: string[], initial?: string): InputBlock {
  const opts = options.map((o) => option(o));
  const init = opts.find((o) => o.value === initial);
  return {
    type: 'input',
    block_id: id,
    label: plain(label),
    element: {
      type: 'static_select',
      action_id: id,
      placeholder: plain(`Choose ${label.toLowerCase()}`, 150),
      options: opts,
      ...(init ? { initial_option: init } : {}),
    },
  };
}

export function requestModal(opts: { services: string[]; meta: RequestModalMeta; release?: Release; now: number }): ModalView {
  const r = opts.release;
  const editing = opts.meta.mode === 'edit' && r;
  const services = opts.services;
  const serviceBlock: InputBlock =
    services.length > 0 && services.length <= 100
      ? selectInput(F.service, 'Service', services, r?.service ?? (services.length === 1 ? services[0] : undefined))
      : textInput(F.service, 'Service', { initial: r?.service, placeholder: 'payments-api' });
  const desired = r?.desiredAt && r.desiredAt > opts.now ? Math.floor(r.desiredAt / 1000) : undefined;
  return {
    type: 'modal',
    callback_id: CALLBACKS.request,
    private_metadata: JSON.stringify(opts.meta),
    title: plain(editing ? `Edit ${relId(r.id)}` : 'Request a release', 24),
    submit: plain(editing ? 'Save changes' : 'Request', 24),
    close: plain('Cancel', 24),
    blocks: [
      ...(editing
        ? [section(':information_source: Changing the version, changelog, rollback plan, environment or risk resets the approvals that depend on it.')]
        : []),
      serviceBlock,
      textInput(F.version, 'Version', { initial: r?.version, placeholder: '1.4.2' }),
      // A generated title ("payments-api 1.4.2") is not prefilled: left empty, it follows an edited version.
      textInput(F.title, 'Title', {
        optional: true,
        initial: r ? givenTitle(r) : undefined,
        placeholder: 'Faster checkout for returning customers',
        ...(editing ? { hint: 'Leave empty to use the service and version.' } : {}),
      }),
      textInput(F.changelog, 'Changelog', { multiline: true, initial: r?.changelog, hint: 'What changes for users and systems. Up to 3,000 characters.' }),
      selectInput(F.environment, 'Environment', [...ENVIRONMENTS], r?.environment ?? 'production'),
      selectInput(F.risk, 'Risk', [...RISKS], r?.risk),
      {
        type: 'input',
        block_id: F.desiredAt,
        label: plain('Deploy date and time'),
        optional: true,
        hint: plain('Leave empty for the next free deploy window.'),
        element: { type: 'datetimepicker', action_id: F.desiredAt, ...(desired ? { initial_date_time: desired } : {}) },
      },
      textInput(F.rollbackPlan, 'Rollback plan', { multiline: true, initial: r?.rollbackPlan, hint: 'How to undo this release if it goes wrong. Required.' }),
      textInput(F.links, 'Links', { multiline: true, optional: true, initial: r?.links.join('\n'), hint: 'PR, CI run, ticket: one URL per line.' }),
    ],
  };
}

/** Block ids of the request modal for each validation field (for `response_action: errors`). */
export const REQUEST_ERROR_BLOCKS: Record<string, string> = {
  service: F.service,
  version: F.version,
  title: F.title,
  changelog: F.changelog,
  environment: F.environment,
  risk: F.risk,
  rollback_plan: F.rollbackPlan,
  links: F.links,
  desired_at: F.desiredAt,
};
