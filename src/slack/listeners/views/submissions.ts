/** Modal submissions. Invalid input is answered inline (`response_action: errors`) and changes nothing. */
import { z } from 'zod';
import type { SlackRouter } from '../../router';
import { ROLES } from '../../../domain/types';
import { CRITERIA, CRITERION_STATUSES } from '../../../domain/types';
import { announceRequest, createRelease } from '../../../usecases/request-release';
import { decideRelease } from '../../../usecases/decide-release';
import type { Deps } from '../../../usecases/deps';
import { editRelease } from '../../../usecases/edit-release';
import { setRoles } from '../../../usecases/set-roles';
import type { CriterionInputErrors } from '../../../usecases/update-criterion';
import { criterionInputErrors, updateCriterion } from '../../../usecases/update-criterion';
import { releaseSnapshot } from '../../../usecases/queries';
import type { ReleaseFieldsInput } from '../../../usecases/release-input';
import { CALLBACKS, READINESS_FIELDS, REASON_FIELD, REQUEST_FIELDS as F } from '../../ids';
import { stageDenialError } from '../../views/messages.view';
import { REQUEST_ERROR_BLOCKS } from '../../views/request-release.view';
import { dateTimeOf, parseJsonMeta, parseState, releaseMetaSchema, textOf, usersOf } from '../parse';
import { FORM_OUT_OF_DATE } from '../reply';

const requestMetaSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('create'), channel: z.string().nullable() }),
  z.object({ mode: z.literal('edit'), channel: z.string().nullable(), releaseId: z.number().int().positive(), rev: z.number().int().positive() }),
]);
const reasonMetaSchema = releaseMetaSchema.extend({ decision: z.enum(['request_changes', 'reject']), rev: z.number().int() });
const rolesMetaSchema = z.object({ service: z.string().nullable() });

type Errors = Record<string, string>;

export function registerViewSubmissions(app: SlackRouter, deps: Deps): void {
  app.view(CALLBACKS.request, async ({ ack, body, view }) => {
    const meta = parseJsonMeta(requestMetaSchema, view.private_metadata);
    const state = parseState(view.state.values);
    // one URL per line (or separated by spaces or ", "); a comma inside a URL (Grafana, Kibana) stays in it
    const links = textOf(state, F.links)
      .split(/\s+|,(?=\s|https?:\/\/|$)/)
      .map((l) => l.trim())
      .filter(Boolean);
    const fields: ReleaseFieldsInput = {
      service: textOf(state, F.service),
      version: textOf(state, F.version),
      title: textOf(state, F.title),
      changelog: textOf(state, F.changelog),
      environment: textOf(state, F.environment),
      risk: textOf(state, F.risk),
      rollback_plan: textOf(state, F.rollbackPlan),
      links,
      desired_at: dateTimeOf(state, F.desiredAt),
    };
    const toBlocks = (errors: Errors) =>
      Object.fromEntries(Object.entries(errors).map(([k, v]) => [REQUEST_ERROR_BLOCKS[k] ?? F.version, v]));
    if (!meta) return ack({ response_action: 'errors', errors: { [F.version]: FORM_OUT_OF_DATE } });

    if (meta.mode === 'edit') {
      const res = await editRelease(deps, { releaseId: meta.releaseId, actor: body.user.id, fields, seenRev: meta.rev });
      if (res.kind === 'invalid') return ack({ response_action: 'errors', errors: toBlocks(res.errors) });
      if (res.kind === 'denied') {
        const msg =
          res.why === 'changed_meanwhile'
            ? 'Someone changed this release while you were editing. Close this form and open it again to see their changes.'
            : res.why === 'closed'
              ? 'This release can no longer be edited.'
              : 'Only the requester or a release manager can edit this release.';
        return ack({ response_action: 'errors', errors: { [F.version]: msg } });
      }
      return ack();
    }

    const res = createRelease(deps, {
      fields,
      requestedBy: body.user.id,
      source: 'slack',
      idempotencyKey: `view:${view.id}`,
      originChannel: meta.channel,
    });
    if (res.kind === 'invalid') return ack({ response_action: 'errors', errors: toBlocks(res.errors) });
    await ack();
    if (res.kind === 'created') await announceRequest(deps, res.release);
  });

  app.view(CALLBACKS.reason, async ({ ack, body, view }) => {
    const meta = parseJsonMeta(reasonMetaSchema, view.private_metadata);
    if (!meta) return ack({ response_action: 'errors', errors: { [REASON_FIELD]: FORM_OUT_OF_DATE } });
    const reason = textOf(parseState(view.state.values), REASON_FIELD);
    const res = await decideRelease(deps, { releaseId: meta.releaseId, actor: body.user.id, decision: meta.decision, reason, seenRev: meta.rev });
    if (res.kind === 'invalid') return ack({ response_action: 'errors', errors: { [REASON_FIELD]: res.error } });
    if (res.kind === 'stale') {
      return ack({ response_action: 'errors', errors: { [REASON_FIELD]: 'This release was edited after you opened this form. Close it, read the updated card, and decide again.' } });
    }
    if (res.kind === 'denied') {
      const snap = releaseSnapshot(deps, meta.releaseId);
      const text = snap ? stageDenialError(snap, res.denial, meta.decision === 'reject' ? 'reject' : 'request changes to') : 'Not allowed.';
      return ack({ response_action: 'errors', errors: { [REASON_FIELD]: text } });
    }
    return ack();
  });

  app.view(CALLBACKS.readiness, async ({ ack, body, view }) => {
    const meta = parseJsonMeta(releaseMetaSchema, view.private_metadata);
    if (!meta) return ack({ response_action: 'errors', errors: { [READINESS_FIELDS.criterion]: FORM_OUT_OF_DATE } });
    const state = parseState(view.state.values);
    const criterion = z.enum(CRITERIA).safeParse(textOf(state, READINESS_FIELDS.criterion));
    const status = z.enum(CRITERION_STATUSES).safeParse(textOf(state, READINESS_FIELDS.status));
    const url = textOf(state, READINESS_FIELDS.url).trim();
    const reason = textOf(state, READINESS_FIELDS.reason).trim();
    const errors: Errors = {};
    if (!criterion.success) errors[READINESS_FIELDS.criterion] = 'Pick a criterion.';
    if (!status.success) errors[READINESS_FIELDS.status] = 'Pick a status.';
    const toBlocks = (e: CriterionInputErrors) => {
      if (e.url) errors[READINESS_FIELDS.url] = e.url;
      if (e.reason) errors[READINESS_FIELDS.reason] = e.reason;
      return errors;
    };
    if (!criterion.success || !status.success) {
      return ack({ response_action: 'errors', errors: toBlocks(criterionInputErrors({ status: status.success ? status.data : null, url, reason })) });
    }
    const res = await updateCriterion(deps, {
      releaseId: meta.releaseId,
      criterion: criterion.data,
      status: status.data,
      url: url || null,
      details: reason || null,
      reason: reason || null,
      actor: body.user.id,
      via: 'slack',
    });
    if (res.kind === 'invalid') return ack({ response_action: 'errors', errors: toBlocks(res.errors) });
    if (res.kind === 'denied') {
      const msg = {
        closed: 'This release is past the point where readiness can change.',
        not_owner: 'Only the owner role of this criterion or a release manager can set it.',
        waive_needs_release_manager: 'Only a release manager can waive a criterion.',
        waive_needs_reason: 'Waiving needs a reason.',
      }[res.why];
      const block = res.why === 'waive_needs_reason' ? READINESS_FIELDS.reason : READINESS_FIELDS.status;
      return ack({ response_action: 'errors', errors: { [block]: msg } });
    }
    return ack();
  });

  app.view(CALLBACKS.roles, async ({ ack, body, view }) => {
    const meta = parseJsonMeta(rolesMetaSchema, view.private_metadata);
    if (!meta) return ack({ response_action: 'errors', errors: { role_developer: FORM_OUT_OF_DATE } });
    const state = parseState(view.state.values);
    const members = Object.fromEntries(ROLES.map((r) => [r, usersOf(state, `role_${r}`) ?? []]));
    const res = setRoles(deps, { actor: body.user.id, service: meta.service, members });
    if (res.kind === 'denied') return ack({ response_action: 'errors', errors: { role_developer: 'Only admins can change roles.' } });
    return ack();
  });
}
