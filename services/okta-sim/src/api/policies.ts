import { Router } from 'express';
import { z } from 'zod';
import { notFound, validationFailed } from '../lib/okta-error.ts';
import { isoNow } from '../lib/time.ts';
import type { Org } from '../org/org.ts';
import type { Policy, PolicyRule } from '../org/types.ts';
import { type Pagination, paginate, parseBody } from './common.ts';

const POLICY_TYPES = ['MFA_ENROLL', 'ACCESS_POLICY', 'OKTA_SIGN_ON', 'PASSWORD'] as const;
const SUPPORTED_TYPES = ['MFA_ENROLL', 'ACCESS_POLICY'] as const;

const groupsCondition = z
  .object({
    groups: z
      .object({ include: z.array(z.string()).default([]), exclude: z.array(z.string()).default([]) })
      .optional(),
    users: z.looseObject({}).optional(),
  })
  .optional();
const networkCondition = z
  .object({
    connection: z.enum(['ANYWHERE', 'ZONE']),
    include: z.array(z.string()).optional(),
    exclude: z.array(z.string()).optional(),
  })
  .optional();

const EnrollSettings = z.object({
  type: z.literal('AUTHENTICATORS', { error: 'settings.type must be AUTHENTICATORS' }),
  authenticators: z
    .array(
      z.object({
        key: z.string().min(1),
        enroll: z.object({ self: z.enum(['REQUIRED', 'OPTIONAL', 'NOT_ALLOWED']) }),
      }),
    )
    .min(1),
});

const PolicyInput = z.object({
  type: z.enum(POLICY_TYPES),
  name: z.string().trim().min(1).max(255),
  description: z.string().max(1024).nullish(),
  status: z.enum(['ACTIVE', 'INACTIVE']).optional(),
  priority: z.number().int().min(1).optional(),
  conditions: z.looseObject({ people: groupsCondition }).nullish(),
  settings: z.looseObject({}).optional(),
});

const EnrollRuleActions = z.object({
  enroll: z.object({ self: z.enum(['CHALLENGE', 'LOGIN', 'NEVER']) }),
});
const AccessRuleActions = z.object({
  appSignOn: z.object({
    access: z.enum(['ALLOW', 'DENY']),
    verificationMethod: z
      .looseObject({
        type: z.literal('ASSURANCE'),
        factorMode: z.enum(['1FA', '2FA']),
        reauthenticateIn: z.string().regex(/^P(T?\d+[HMSD])+$|^PT0S$/, 'an ISO-8601 duration such as PT0S'),
        constraints: z
          .array(
            z.looseObject({
              knowledge: z.looseObject({}).optional(),
              possession: z
                .looseObject({
                  authenticationMethods: z
                    .array(z.object({ key: z.string(), method: z.string().optional() }))
                    .optional(),
                })
                .optional(),
            }),
          )
          .default([]),
      })
      .optional(),
  }),
});
const RuleInput = z.object({
  type: z.enum(POLICY_TYPES),
  name: z.string().trim().min(1).max(255),
  status: z.enum(['ACTIVE', 'INACTIVE']).optional(),
  priority: z.number().int().min(1).optional(),
  conditions: z.looseObject({ people: groupsCondition, network: networkCondition }).nullish(),
  actions: z.looseObject({}),
});

/**
 * `/api/v1/policies` and their rules, with Okta's ordering (priority 1 first; inserting shifts the others; the
 * default policy and the catch-all rule stay last) and the checks of the guide's objects: references to groups,
 * zones and authenticators must exist, an enrollment policy can only require an active authenticator, system
 * policies and rules cannot be deleted.
 */
export function policiesRouter(org: Org, orgUrl: () => string, pagination: Pagination): Router {
  const router = Router();
  const findPolicy = (id: string): Policy => {
    const policy = org.policies.get(id);
    if (!policy) throw notFound('Policy', id);
    return policy;
  };
  const findRule = (policy: Policy, id: string): PolicyRule => {
    const rule = org.rules.get(id);
    if (!rule || rule.policyId !== policy.id) throw notFound('PolicyRule', id);
    return rule;
  };
  const policyView = (p: Policy) => ({
    id: p.id,
    status: p.status,
    name: p.name,
    description: p.description ?? null,
    priority: p.priority,
    system: p.system,
    conditions: p.conditions,
    created: p.created,
    lastUpdated: p.lastUpdated,
    ...(p.settings ? { settings: p.settings } : {}),
    type: p.type,
    _links: {
      self: { href: `${orgUrl()}/api/v1/policies/${p.id}` },
      rules: { href: `${orgUrl()}/api/v1/policies/${p.id}/rules` },
    },
  });
  const ruleView = (r: PolicyRule) => ({
    id: r.id,
    status: r.status,
    name: r.name,
    priority: r.priority,
    created: r.created,
    lastUpdated: r.lastUpdated,
    system: r.system,
    conditions: r.conditions,
    actions: r.actions,
    type: r.type,
    _links: { self: { href: `${orgUrl()}/api/v1/policies/${r.policyId}/rules/${r.id}` } },
  });

  const checkGroups = (
    conditions: { people?: { groups?: { include: string[]; exclude: string[] } } } | null | undefined,
  ) => {
    for (const id of [
      ...(conditions?.people?.groups?.include ?? []),
      ...(conditions?.people?.groups?.exclude ?? []),
    ]) {
      if (!org.groups.has(id)) throw validationFailed('conditions.people.groups', `No group with id ${id}.`);
    }
  };
  const checkPolicy = (input: z.infer<typeof PolicyInput>, existing?: Policy): void => {
    if (!(SUPPORTED_TYPES as readonly string[]).includes(input.type)) {
      throw validationFailed('type', `The simulator manages ${SUPPORTED_TYPES.join(' and ')} policies only.`);
    }
    if (existing && existing.type !== input.type)
      throw validationFailed('type', 'A policy type cannot be changed.');
    const clash = org.policiesOf(input.type).find((p) => p.name === input.name && p.id !== existing?.id);
    if (clash) throw validationFailed('name', `A ${input.type} policy named "${input.name}" already exists.`);
    checkGroups(input.conditions as Parameters<typeof checkGroups>[0]);
    if (input.type === 'MFA_ENROLL') {
      const settings = parseBody(EnrollSettings, input.settings, 'settings');
      for (const entry of settings.authenticators) {
        const authenticator = org.authenticatorByKey(entry.key);
        if (!authenticator)
          throw validationFailed('settings.authenticators', `Unknown authenticator key ${entry.key}.`);
        if (entry.enroll.self !== 'NOT_ALLOWED' && authenticator.status !== 'ACTIVE') {
          throw validationFailed(
            'settings.authenticators',
            `The authenticator ${entry.key} is not active: activate it before a policy can ${entry.enroll.self === 'REQUIRED' ? 'require' : 'offer'} it.`,
          );
        }
      }
    }
  };
  const checkRule = (policy: Policy, input: z.infer<typeof RuleInput>): void => {
    if (input.type !== policy.type)
      throw validationFailed('type', `A rule of a ${policy.type} policy has type ${policy.type}.`);
    checkGroups(input.conditions as Parameters<typeof checkGroups>[0]);
    const network = input.conditions?.network;
    if (network?.connection === 'ZONE') {
      const ids = [...(network.include ?? []), ...(network.exclude ?? [])];
      if (ids.length === 0)
        throw validationFailed('conditions.network', 'A ZONE condition names at least one zone.');
      for (const id of ids)
        if (!org.zones.has(id))
          throw validationFailed('conditions.network', `No network zone with id ${id}.`);
    }
    if (policy.type === 'MFA_ENROLL') parseBody(EnrollRuleActions, input.actions, 'actions');
    if (policy.type === 'ACCESS_POLICY') {
      const actions = parseBody(AccessRuleActions, input.actions, 'actions');
      for (const constraint of actions.appSignOn.verificationMethod?.constraints ?? []) {
        for (const method of constraint.possession?.authenticationMethods ?? []) {
          if (!org.authenticatorByKey(method.key)) {
            throw validationFailed(
              'actions.appSignOn.verificationMethod',
              `Unknown authenticator key ${method.key}.`,
            );
          }
        }
      }
    }
  };

  router.get('/', (req, res) => {
    const type = req.query.type;
    if (typeof type !== 'string' || !(POLICY_TYPES as readonly string[]).includes(type)) {
      throw validationFailed('type', `type is required: one of ${POLICY_TYPES.join(', ')}`);
    }
    const policies = org.policiesOf(type as Policy['type']);
    res.json(paginate(req, res, policies, orgUrl(), pagination).map(policyView));
  });
  router.post('/', (req, res) => {
    const input = parseBody(PolicyInput, req.body, 'policy');
    checkPolicy(input);
    const policy = org.addPolicy({
      type: input.type,
      name: input.name,
      ...(input.description ? { description: input.description } : {}),
      system: false,
      conditions: (input.conditions as Record<string, unknown> | null | undefined) ?? null,
      ...(input.settings ? { settings: input.settings } : {}),
      ...(input.status ? { status: input.status } : {}),
      ...(input.priority ? { priority: input.priority } : {}),
    });
    res.json(policyView(policy));
  });
  router.get('/:id', (req, res) => {
    res.json(policyView(findPolicy(req.params.id)));
  });
  router.put('/:id', (req, res) => {
    const policy = findPolicy(req.params.id);
    const input = parseBody(PolicyInput, req.body, 'policy');
    checkPolicy(input, policy);
    if (policy.system && input.name !== policy.name)
      throw validationFailed('name', 'A default policy cannot be renamed.');
    policy.name = input.name;
    policy.description = input.description ?? undefined;
    policy.conditions = (input.conditions as Record<string, unknown> | null | undefined) ?? null;
    if (input.settings) policy.settings = input.settings;
    if (input.priority !== undefined && !policy.system) org.placePolicy(policy, input.priority);
    policy.lastUpdated = isoNow();
    res.json(policyView(policy));
  });
  router.delete('/:id', (req, res) => {
    const policy = findPolicy(req.params.id);
    if (policy.system) throw validationFailed('id', 'A default policy cannot be deleted.');
    for (const rule of org.rulesOf(policy.id)) org.rules.delete(rule.id);
    org.policies.delete(policy.id);
    org.renumberPolicies(policy.type);
    res.status(204).end();
  });
  for (const action of ['activate', 'deactivate'] as const) {
    router.post(`/:id/lifecycle/${action}`, (req, res) => {
      const policy = findPolicy(req.params.id);
      if (policy.system && action === 'deactivate')
        throw validationFailed('status', 'A default policy stays active.');
      policy.status = action === 'activate' ? 'ACTIVE' : 'INACTIVE';
      policy.lastUpdated = isoNow();
      res.status(204).end();
    });
  }

  router.get('/:id/rules', (req, res) => {
    const policy = findPolicy(req.params.id);
    res.json(paginate(req, res, org.rulesOf(policy.id), orgUrl(), pagination).map(ruleView));
  });
  router.post('/:id/rules', (req, res) => {
    const policy = findPolicy(req.params.id);
    const input = parseBody(RuleInput, req.body, 'rule');
    checkRule(policy, input);
    if (org.rulesOf(policy.id).some((r) => r.name === input.name)) {
      throw validationFailed('name', `A rule named "${input.name}" already exists in this policy.`);
    }
    const rule = org.addRule(policy.id, {
      type: input.type,
      name: input.name,
      system: false,
      conditions: (input.conditions as Record<string, unknown> | null | undefined) ?? null,
      actions: input.actions,
      ...(input.status ? { status: input.status } : {}),
      ...(input.priority ? { priority: input.priority } : {}),
    });
    res.json(ruleView(rule));
  });
  router.get('/:id/rules/:ruleId', (req, res) => {
    res.json(ruleView(findRule(findPolicy(req.params.id), req.params.ruleId)));
  });
  router.put('/:id/rules/:ruleId', (req, res) => {
    const policy = findPolicy(req.params.id);
    const rule = findRule(policy, req.params.ruleId);
    const input = parseBody(RuleInput, req.body, 'rule');
    checkRule(policy, input);
    if (org.rulesOf(policy.id).some((r) => r.name === input.name && r.id !== rule.id)) {
      throw validationFailed('name', `A rule named "${input.name}" already exists in this policy.`);
    }
    if (rule.system && input.name !== rule.name)
      throw validationFailed('name', 'The catch-all rule cannot be renamed.');
    rule.name = input.name;
    rule.conditions = (input.conditions as Record<string, unknown> | null | undefined) ?? null;
    rule.actions = input.actions;
    if (input.priority !== undefined && !rule.system) org.placeRule(rule, input.priority);
    rule.lastUpdated = isoNow();
    res.json(ruleView(rule));
  });
  router.delete('/:id/rules/:ruleId', (req, res) => {
    const policy = findPolicy(req.params.id);
    const rule = findRule(policy, req.params.ruleId);
    if (rule.system) throw validationFailed('id', 'The catch-all rule cannot be deleted.');
    org.rules.delete(rule.id);
    org.renumberRules(policy.id);
    res.status(204).end();
  });
  for (const action of ['activate', 'deactivate'] as const) {
    router.post(`/:id/rules/:ruleId/lifecycle/${action}`, (req, res) => {
      const rule = findRule(findPolicy(req.params.id), req.params.ruleId);
      if (rule.system && action === 'deactivate')
        throw validationFailed('status', 'The catch-all rule stays active.');
      rule.status = action === 'activate' ? 'ACTIVE' : 'INACTIVE';
      rule.lastUpdated = isoNow();
      res.status(204).end();
    });
  }
  return router;
}
