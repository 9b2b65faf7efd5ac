export { applyChanges } from './changes.js';
export { LOCAL_API_URL, LOCAL_DEV_API_KEY, type ServerConfig, serverConfig } from './config.js';
export { errorResponse, HttpError } from './httpError.js';
export { type ExpectedEvent, expectedActor, runStep, SCENARIO, type ScenarioStep } from './scenario.js';
export { API_KEYS, INVOICES, ORGANIZATIONS, type SeedUser, TOKENS, USERS } from './seed.js';
export { SaasStore } from './store.js';
export type { ApiKey, Change, Invoice, Organization, Role, User } from './types.js';
