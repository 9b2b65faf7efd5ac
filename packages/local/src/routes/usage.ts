import { monthOf } from '../eventStore.js';
import { sendJson } from '../http.js';
import { PLANS } from '../plans.js';
import type { Usage } from '../types.js';
import type { RouteRequest } from './context.js';

/** `GET /v1/usage`: the plan and this calendar month's (UTC) count. */
export function getUsage({ res, ctx, key }: RouteRequest): void {
  const { plan, id } = key.account;
  const usage: Usage = {
    plan,
    events_this_month: ctx.events.monthCount(id, monthOf(ctx.clock())),
    events_limit: PLANS[plan].events_limit,
    retention_days: PLANS[plan].retention_days,
  };
  sendJson(res, 200, JSON.stringify(usage));
}
