// The adapter contract: what every adapter records, written once against `ContractAdapter`
// (./adapter.ts). Each adapter package has a thin `test/contract.test.ts` holding its factory and
// calling `contractSuite(factory)`. Why there and not a project of its own: vitest.config.ts's
// `versions()` projects already run each package's tests once per framework version with the
// bare name (`express`, `koa`, `@koa/router`, `fastify`) redirected to a pnpm alias that only
// that package installs, so a factory in the package's test dir gets the version matrix for free;
// this module imports no framework, so it can live outside the packages (core must not depend on
// one). Adding an adapter (NestJS, Hono) is one factory and one such file.
import { describe } from 'vitest';
import type { ContractAdapter } from './adapter.js';
import { derivation } from './derivation.js';
import { failures } from './failures.js';
import { lifecycle } from './lifecycle.js';
import { options } from './options.js';
import { requests } from './requests.js';
import { perRoute } from './routes.js';

export type { AppOptions, ContractAdapter, Route, RunningApp } from './adapter.js';
export { byMount, failure, listening, onClose, userFrom } from './adapter.js';

export function contractSuite(adapter: ContractAdapter): void {
  describe(`${adapter.name}: the adapter contract`, () => {
    derivation(adapter);
    options(adapter);
    requests(adapter);
    perRoute(adapter);
    failures(adapter);
    lifecycle(adapter);
  });
}
