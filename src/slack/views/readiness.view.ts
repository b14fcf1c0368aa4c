/** The "Update readiness" modal: an owner marks a criterion, a release manager waives one with a reason. */
import type { ModalView, PlainTextOption } from '@slack/types';
import type { CriterionRecord, Release } from '../../db/release.repo';
import { CRITERION_LABELS, CRITERION_OWNERS, ROLE_LABELS } from '../../domain/types';
import { relId } from '../format';
import { CALLBACKS, READINESS_FIELDS as F } from '../ids';
import { plain, section } from './kit';

export interface ReadinessMeta {
  releaseId: number;
}

export const READINESS_STATUS_OPTIONS = [
  { value: 'met', text: 'Met' },
  { value: 'failed', text: 'Failed' },
  { value: 'pending', text: 'Pending' },
  { value: 'waived', text: 'Waived (release manager, with a reason)' },
] as const;

export function readinessModal(release: Release, criteria: CriterionRecord[]): ModalView {
  const critOptions: PlainTextOption[] = criteria.map((c) => ({
    text: plain(`${CRITERION_LABELS[c.criterion]} (${c.status})`, 75),
    value: c.criterion,
  }));
  const statusOptions: PlainTextOption[] = READINESS_STATUS_OPTIONS.map((o) => ({ text: plain(o.text, 75), value: o.value }));
  const owners = criteria.map((c) => `${CRITERION_LABELS[c.criterion]}: ${ROLE_LABELS[CRITERION_OWNERS[c.criterion]]}`).join(' · ');
  const meta: ReadinessMeta = { releaseId: release.id };
  return {
    type: 'modal',
    callback_id: CALLBACKS.readiness,
    private_metadata: JSON.stringify(meta),
    title: plain(`Readiness ${relId(release.id)}`, 24),
    submit: plain('Save', 24),
    close: plain('Cancel', 24),
    blocks: [
      section(`Owners — ${owners}. Release managers may set or waive any criterion.`),
      { type: 'input', block_id: F.criterion, label: plain('Criterion'), element: { type: 'static_select', action_id: F.criterion, options: critOptions } },
      { type: 'input', block_id: F.status, label: plain('Status'), element: { type: 'static_select', action_id: F.status, options: statusOptions } },
      {
        type: 'input',
        block_id: F.url,
        label: plain('Evidence link'),
        optional: true,
        element: { type: 'plain_text_input', action_id: F.url, placeholder: plain('https://ci.example/run/123', 150) },
      },
      {
        type: 'input',
        block_id: F.reason,
        label: plain('Reason'),
        optional: true,
        hint: plain('Required to waive. Shown on the card and kept in the audit trail.'),
        element: { type: 'plain_text_input', action_id: F.reason, multiline: true },
      },
    ],
  };
}
