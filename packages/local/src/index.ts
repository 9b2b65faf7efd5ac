export type { CreatedAccount, LocalServer, LocalServerOptions } from './localServerTypes.js';
export { PLANS, type Plan, type PlanLimits } from './plans.js';
export { startLocalServer } from './server.js';
export { DatabaseInUseError } from './serverLock.js';
export type { CreateEventResponse, ErrorBody, EventsPage, StoredEvent, Usage } from './types.js';
