import { describe, expect, it } from 'vitest';
import { groupsIn, isUserGroup, resolveRoleMembers, rolesOfUser } from '../../../src/domain/roles';
import type { RoleLayers } from '../../../src/domain/roles';
import type { Role } from '../../../src/domain/types';

function members(over: Partial<Record<Role, string[]>> = {}): Record<Role, string[]> {
  return { developer: [], qa: [], release_manager: [], product_manager: [], operations: [], ...over };
}

describe('resolveRoleMembers', () => {
  it('returns every role, empty when no layer names it', () => {
    expect(resolveRoleMembers({ policyGlobal: {}, slackGlobal: {} })).toEqual(members());
  });

  it('uses the policy file when nothing was edited in Slack', () => {
    expect(resolveRoleMembers({ policyGlobal: { qa: ['U0QA'], developer: ['U0DEV1', 'U0DEV2'] }, slackGlobal: {} })).toEqual(
      members({ qa: ['U0QA'], developer: ['U0DEV1', 'U0DEV2'] }),
    );
  });

  it('layers Slack service edit > policy service > Slack global edit > policy global, role by role', () => {
    const layers: RoleLayers = {
      policyGlobal: { developer: ['U0PG'], qa: ['U0PG'], release_manager: ['U0PG'], product_manager: ['U0PG'], operations: ['U0PG'] },
      slackGlobal: { qa: ['U0SG'], release_manager: ['U0SG'], product_manager: ['U0SG'] },
      policyService: { release_manager: ['U0PS'], product_manager: ['U0PS'] },
      slackService: { product_manager: ['U0SS'] },
    };
    expect(resolveRoleMembers(layers)).toEqual({
      developer: ['U0PG'],
      qa: ['U0SG'],
      release_manager: ['U0PS'],
      product_manager: ['U0SS'],
      operations: ['U0PG'],
    });
  });

  it('lets a service layer replace (not extend) the global members of a role', () => {
    const resolved = resolveRoleMembers({
      policyGlobal: { qa: ['U0QA', 'U0QA2'] },
      policyService: { qa: ['U0QA3'] },
      slackGlobal: {},
    });
    expect(resolved.qa).toEqual(['U0QA3']);
  });

  it('treats a missing service layer like an empty one', () => {
    expect(resolveRoleMembers({ policyGlobal: { qa: ['U0QA'] }, policyService: undefined, slackGlobal: {}, slackService: undefined }).qa).toEqual([
      'U0QA',
    ]);
  });

  it('treats an explicitly empty list in a more specific layer as "nobody"', () => {
    expect(resolveRoleMembers({ policyGlobal: { operations: ['U0OPS'] }, slackGlobal: {}, slackService: { operations: [] } }).operations).toEqual([]);
  });

  it('returns copies the caller may change without touching the layers', () => {
    const policyGlobal = { developer: ['U0DEV'] };
    const resolved = resolveRoleMembers({ policyGlobal, slackGlobal: {} });
    resolved.developer.push('U0INTRUDER');
    expect(policyGlobal.developer).toEqual(['U0DEV']);
  });
});

describe('isUserGroup', () => {
  it('recognises user group ids by their S prefix', () => {
    expect(isUserGroup('S0GROUP')).toBe(true);
    expect(isUserGroup('U0USER')).toBe(false);
    expect(isUserGroup('W0ENTERPRISEUSER')).toBe(false);
    expect(isUserGroup('C0CHANNEL')).toBe(false);
    expect(isUserGroup('')).toBe(false);
  });
});

describe('rolesOfUser', () => {
  const m = members({
    developer: ['U0DEV', 'S0DEVS'],
    qa: ['U0QA'],
    release_manager: ['S0LEADS'],
    product_manager: ['U0PM', 'S0LEADS'],
    operations: ['S0OPS'],
  });
  const groups = { S0DEVS: ['U0DEV2', 'U0QA'], S0LEADS: ['U0LEAD'], S0OPS: [] };

  it('finds roles held directly', () => {
    expect(rolesOfUser('U0PM', m, groups)).toEqual(['product_manager']);
  });

  it('finds roles held through user groups', () => {
    expect(rolesOfUser('U0DEV2', m, groups)).toEqual(['developer']);
    expect(rolesOfUser('U0LEAD', m, groups)).toEqual(['release_manager', 'product_manager']);
  });

  it('combines direct and group membership, in role order', () => {
    expect(rolesOfUser('U0QA', m, groups)).toEqual(['developer', 'qa']);
  });

  it('gives nothing to strangers, to members of empty groups, or for groups whose members are unknown', () => {
    expect(rolesOfUser('U0STRANGER', m, groups)).toEqual([]);
    expect(rolesOfUser('U0LEAD', m, {})).toEqual([]);
    expect(rolesOfUser('U0DEV2', m, { S0LEADS: ['U0LEAD'] })).toEqual([]);
  });

  it('does not treat a user id listed in groupMembers as a group unless it is an S… id', () => {
    const weird = members({ qa: ['U0TEAM'] });
    expect(rolesOfUser('U0MEMBER', weird, { U0TEAM: ['U0MEMBER'] })).toEqual([]);
  });
});

describe('groupsIn', () => {
  it('lists each user group once, in role order', () => {
    expect(
      groupsIn(
        members({
          developer: ['U0DEV', 'S0DEVS'],
          release_manager: ['S0LEADS'],
          product_manager: ['S0LEADS', 'U0PM'],
          operations: ['S0OPS', 'S0DEVS'],
        }),
      ),
    ).toEqual(['S0DEVS', 'S0LEADS', 'S0OPS']);
  });

  it('is empty when only users are named', () => {
    expect(groupsIn(members({ qa: ['U0QA'] }))).toEqual([]);
  });
});
