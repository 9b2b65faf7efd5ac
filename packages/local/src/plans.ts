/** The plans of the hosted API. */
export type Plan = 'free' | 'starter' | 'growth' | 'pro';

/** What a plan allows: `null` means unlimited (events) or kept forever (retention). */
export interface PlanLimits {
  /** Events accepted per calendar month (UTC); `null` for no cap. */
  readonly events_limit: number | null;
  /** Days an event is kept, counted from its `timestamp`; `null` keeps events forever. */
  readonly retention_days: number | null;
}

// Pro is "unlimited, custom retention" on the hosted API; locally that is no cap and no sweep.
export const PLANS: Readonly<Record<Plan, PlanLimits>> = {
  free: { events_limit: 10_000, retention_days: 14 },
  starter: { events_limit: 500_000, retention_days: 365 },
  growth: { events_limit: 5_000_000, retention_days: 730 },
  pro: { events_limit: null, retention_days: null },
};

export const PLAN_NAMES = Object.keys(PLANS) as Plan[];

export function isPlan(value: unknown): value is Plan {
  return typeof value === 'string' && Object.hasOwn(PLANS, value);
}
