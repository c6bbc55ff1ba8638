import type { Request } from 'express';
import { Router } from 'express';
import { z } from 'zod';
import { notFound, OktaApiError, validationFailed } from '../lib/okta-error.ts';
import { isoNow } from '../lib/time.ts';
import type { Org } from '../org/org.ts';
import type { Group, User } from '../org/types.ts';
import { type Pagination, paginate, parseBody } from './common.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const GroupInput = z.object({
  profile: z.object({ name: z.string().trim().min(1).max(255), description: z.string().max(1024).nullish() }),
});
const UserInput = z.object({
  profile: z.looseObject({
    login: z.string().trim().regex(EMAIL, 'Username must be in the form of an email address'),
    email: z.string().trim().regex(EMAIL, 'must be an email address'),
    firstName: z.string().trim().min(1).max(50),
    lastName: z.string().trim().min(1).max(50),
    mobilePhone: z.string().max(100).nullish(),
  }),
  credentials: z.object({ password: z.object({ value: z.string().min(8) }).optional() }).optional(),
  groupIds: z.array(z.string()).optional(),
});

/** `search=profile.name eq "X"` / `filter=profile.login eq "x"`: the one expression form the command needs. */
function equalsExpression(
  req: Request,
  allowed: readonly string[],
): { attribute: string; value: string } | undefined {
  const raw = req.query.search ?? req.query.filter;
  if (raw === undefined) return undefined;
  const match = typeof raw === 'string' ? /^\s*([A-Za-z.]+)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/.exec(raw) : null;
  if (!match?.[1] || match[2] === undefined || !allowed.includes(match[1])) {
    throw validationFailed(
      'search',
      `The simulator supports: ${allowed.map((a) => `${a} eq "…"`).join(', ')}.`,
    );
  }
  return { attribute: match[1], value: match[2].replace(/\\(.)/g, '$1') };
}

/** `/api/v1/groups` and `/api/v1/users`: the guide's test group and user, and their membership. */
export function directoryRouters(
  org: Org,
  orgUrl: () => string,
  pagination: Pagination,
): { groups: Router; users: Router } {
  const groupView = (g: Group) => ({
    id: g.id,
    created: g.created,
    lastUpdated: g.lastUpdated,
    lastMembershipUpdated: g.lastMembershipUpdated,
    objectClass: ['okta:user_group'],
    type: g.type,
    profile: g.profile,
    _links: { users: { href: `${orgUrl()}/api/v1/groups/${g.id}/users` } },
  });
  const userView = (u: User) => ({
    id: u.id,
    status: u.status,
    created: u.created,
    activated: u.activated,
    statusChanged: u.lastUpdated,
    lastLogin: null,
    lastUpdated: u.lastUpdated,
    passwordChanged: u.password ? u.created : null,
    type: { id: 'oty00000000000000000' },
    profile: u.profile,
    credentials: { ...(u.password ? { password: {} } : {}), provider: { type: 'OKTA', name: 'OKTA' } },
    _links: { self: { href: `${orgUrl()}/api/v1/users/${u.id}` } },
  });
  const findGroup = (id: string): Group => {
    const group = org.groups.get(id);
    if (!group) throw notFound('UserGroup', id);
    return group;
  };
  const findUser = (idOrLogin: string): User => {
    const user = org.findUser(idOrLogin);
    if (!user) throw notFound('User', idOrLogin);
    return user;
  };
  const touchMembership = (group: Group): void => {
    group.lastMembershipUpdated = isoNow();
  };

  const groups = Router();
  groups.get('/', (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q.toLowerCase() : undefined;
    const search = equalsExpression(req, ['profile.name', 'type', 'id']);
    const list = [...org.groups.values()].filter((g) => {
      if (q !== undefined && !g.profile.name.toLowerCase().startsWith(q)) return false;
      if (search?.attribute === 'profile.name') return g.profile.name === search.value;
      if (search?.attribute === 'type') return g.type === search.value;
      if (search?.attribute === 'id') return g.id === search.value;
      return true;
    });
    res.json(paginate(req, res, list, orgUrl(), pagination).map(groupView));
  });
  groups.post('/', (req, res) => {
    const input = parseBody(GroupInput, req.body, 'group');
    if (org.groupByName(input.profile.name)) {
      throw validationFailed('name', 'An object with this field already exists in the current organization');
    }
    res.json(groupView(org.addGroup(input.profile.name, input.profile.description ?? '')));
  });
  groups.get('/:id', (req, res) => {
    res.json(groupView(findGroup(req.params.id)));
  });
  groups.put('/:id', (req, res) => {
    const group = findGroup(req.params.id);
    if (group.type === 'BUILT_IN')
      throw new OktaApiError(403, 'E0000006', 'You do not have permission to perform the requested action');
    const input = parseBody(GroupInput, req.body, 'group');
    const clash = org.groupByName(input.profile.name);
    if (clash && clash.id !== group.id) {
      throw validationFailed('name', 'An object with this field already exists in the current organization');
    }
    group.profile = { name: input.profile.name, description: input.profile.description ?? '' };
    group.lastUpdated = isoNow();
    res.json(groupView(group));
  });
  groups.delete('/:id', (req, res) => {
    const group = findGroup(req.params.id);
    if (group.type === 'BUILT_IN')
      throw new OktaApiError(403, 'E0000006', 'You do not have permission to perform the requested action');
    const users = [...org.policies.values()].filter((p) =>
      JSON.stringify(p.conditions ?? {}).includes(`"${group.id}"`),
    );
    const rules = [...org.rules.values()].filter((r) =>
      JSON.stringify(r.conditions ?? {}).includes(`"${group.id}"`),
    );
    if (users.length + rules.length > 0) {
      throw validationFailed(
        'id',
        `The group is used by ${[...users.map((p) => `policy "${p.name}"`), ...rules.map((r) => `rule "${r.name}"`)].join(', ')}.`,
      );
    }
    org.groups.delete(group.id);
    res.status(204).end();
  });
  groups.get('/:id/users', (req, res) => {
    const group = findGroup(req.params.id);
    const members = [...group.members]
      .map((id) => org.users.get(id))
      .filter((u): u is User => u !== undefined);
    res.json(paginate(req, res, members, orgUrl(), pagination).map(userView));
  });
  groups.put('/:id/users/:userId', (req, res) => {
    const group = findGroup(req.params.id);
    if (group.type === 'BUILT_IN')
      throw new OktaApiError(403, 'E0000006', 'You do not have permission to perform the requested action');
    const user = findUser(req.params.userId);
    if (!group.members.has(user.id)) {
      group.members.add(user.id);
      touchMembership(group);
    }
    res.status(204).end();
  });
  groups.delete('/:id/users/:userId', (req, res) => {
    const group = findGroup(req.params.id);
    if (group.type === 'BUILT_IN')
      throw new OktaApiError(403, 'E0000006', 'You do not have permission to perform the requested action');
    const user = findUser(req.params.userId);
    if (group.members.delete(user.id)) touchMembership(group);
    res.status(204).end();
  });

  const users = Router();
  users.get('/', (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q.toLowerCase() : undefined;
    const search = equalsExpression(req, ['profile.login', 'profile.email', 'status', 'id']);
    const list = [...org.users.values()].filter((u) => {
      if (u.status === 'DEPROVISIONED' && search?.attribute !== 'status')
        return q === undefined && search === undefined;
      if (q !== undefined) {
        const fields = [u.profile.login, u.profile.email, u.profile.firstName, u.profile.lastName];
        if (!fields.some((f) => f.toLowerCase().startsWith(q))) return false;
      }
      if (search?.attribute === 'profile.login')
        return u.profile.login.toLowerCase() === search.value.toLowerCase();
      if (search?.attribute === 'profile.email')
        return u.profile.email.toLowerCase() === search.value.toLowerCase();
      if (search?.attribute === 'status') return u.status === search.value;
      if (search?.attribute === 'id') return u.id === search.value;
      return true;
    });
    res.json(paginate(req, res, list, orgUrl(), pagination).map(userView));
  });
  users.post('/', (req, res) => {
    const input = parseBody(UserInput, req.body, 'user');
    if (org.findUser(input.profile.login)) {
      throw validationFailed(
        'login',
        'login: An object with this field already exists in the current organization',
      );
    }
    for (const id of input.groupIds ?? [])
      if (!org.groups.has(id)) throw validationFailed('groupIds', `No group with id ${id}.`);
    const activate = req.query.activate !== 'false';
    const now = isoNow();
    const user = org.addUser({
      status: activate ? (input.credentials?.password ? 'ACTIVE' : 'PROVISIONED') : 'STAGED',
      activated: activate ? now : null,
      profile: { ...input.profile, mobilePhone: input.profile.mobilePhone ?? null },
      ...(input.credentials?.password ? { password: input.credentials.password.value } : {}),
    });
    // The sandbox signs people in without passwords: a provisioned user counts as active there.
    if (activate && user.status === 'PROVISIONED') user.status = 'ACTIVE';
    for (const id of input.groupIds ?? []) org.groups.get(id)?.members.add(user.id);
    res.json(userView(user));
  });
  users.get('/:id', (req, res) => {
    res.json(userView(findUser(req.params.id)));
  });
  const update = (req: Request, replace: boolean) => {
    const user = findUser(String(req.params.id));
    const input = parseBody(
      replace ? UserInput.pick({ profile: true }) : z.object({ profile: z.looseObject({}) }),
      req.body,
      'user',
    );
    user.profile = replace
      ? ({ ...(input.profile as User['profile']) } as User['profile'])
      : ({ ...user.profile, ...input.profile } as User['profile']);
    user.lastUpdated = isoNow();
    return userView(user);
  };
  users.put('/:id', (req, res) => {
    res.json(update(req, true));
  });
  users.post('/:id', (req, res) => {
    res.json(update(req, false));
  });
  users.delete('/:id', (req, res) => {
    const user = findUser(req.params.id);
    // As Okta: the first DELETE deactivates, the second deletes.
    if (user.status !== 'DEPROVISIONED') {
      user.status = 'DEPROVISIONED';
    } else {
      org.users.delete(user.id);
      for (const group of org.groups.values()) group.members.delete(user.id);
    }
    res.status(204).end();
  });
  users.post('/:id/lifecycle/activate', (req, res) => {
    const user = findUser(req.params.id);
    user.status = 'ACTIVE';
    user.activated = isoNow();
    res.json({});
  });
  users.post('/:id/lifecycle/deactivate', (req, res) => {
    findUser(req.params.id).status = 'DEPROVISIONED';
    res.status(200).json({});
  });
  users.get('/:id/groups', (req, res) => {
    const user = findUser(req.params.id);
    res.json(paginate(req, res, org.groupsOf(user.id), orgUrl(), pagination).map(groupView));
  });
  return { groups, users };
}
