// The adapter contract (test/contract) on NestJS, once per platform: the factory builds one
// controller per mount chain (its path is the chain joined, `/orgs/:orgId` + `/api-keys`), each
// route a method with Nest's own decorators, its spec as @Audit() / @SkipAudit(), its handle
// through @AuditContext(). Every contract row maps onto Nest.
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpException,
  Patch,
  Post,
  Put,
  Res,
  type Type,
} from '@nestjs/common';
import { expect } from 'vitest';
import {
  byMount,
  type ContractAdapter,
  contractSuite,
  onClose,
  type Route,
} from '../../../test/contract/index.js';
import { Audit, AuditContext, type AuditHandle, AuditLedgeModule, SkipAudit } from '../src/index.js';
import { type Platform, startNestApp } from './nestApp.js';

const verbs = { GET: Get, POST: Post, PUT: Put, PATCH: Patch, DELETE: Delete };

type Reply = { raw?: import('node:http').ServerResponse; headers?: unknown; set?: unknown };

function setHeaders(res: Reply, headers: Record<string, string>): void {
  // Fastify's reply.headers(), Express's res.set().
  if (typeof res.headers === 'function') (res.headers as (h: object) => void).call(res, headers);
  else (res.set as (h: object) => void).call(res, headers);
}

function handler(route: Route) {
  return function contractRoute(handle: AuditHandle, body: Record<string, unknown> | undefined, res: Reply) {
    if (route.fail !== undefined && route.fail.async !== true) {
      throw new HttpException(`failed with ${route.fail.status}`, route.fail.status);
    }
    return (async () => {
      const raw = res.raw ?? (res as unknown as import('node:http').ServerResponse);
      await route.work?.({ handle, body: body ?? {}, onClientClose: onClose(raw) });
      if (route.fail !== undefined)
        throw new HttpException(`failed with ${route.fail.status}`, route.fail.status);
      if (route.headers !== undefined) setHeaders(res, route.headers);
      return route.body;
    })();
  };
}

/** A controller for the routes of one mount chain, built with Nest's decorators. */
export function controllerFor(mount: string[], routes: Route[]): Type {
  class ContractController {}
  const proto = ContractController.prototype as unknown as Record<string, unknown>;
  routes.forEach((route, i) => {
    const key = `route${i}`;
    proto[key] = handler(route);
    const descriptor = Object.getOwnPropertyDescriptor(proto, key)!;
    const decorators: MethodDecorator[] = [verbs[route.method](route.path), HttpCode(route.status ?? 200)];
    if (route.spec === false) decorators.push(SkipAudit());
    else if (typeof route.spec === 'string') decorators.push(Audit(route.spec));
    else if (route.spec !== undefined) decorators.push(Audit(route.spec as never));
    for (const decorate of decorators) decorate(proto, key, descriptor);
    // Only where the handle is used: the bare app (no module) would warn about it otherwise.
    if (route.work !== undefined) AuditContext()(proto, key, 0);
    Body()(proto, key, 1);
    Res({ passthrough: true })(proto, key, 2);
  });
  Controller(mount.join(''))(ContractController);
  return ContractController;
}

function factory(platform: Platform): ContractAdapter {
  return {
    name: `nestjs (platform-${platform})`,
    // Fastify always assigns request.id (its genReqId), which wins over the client's header.
    requestIdFor: (sent) => (platform === 'fastify' ? expect.stringMatching(/^req-/) : sent),
    start({ options, routes }) {
      return startNestApp({
        platform,
        audit: options === false ? undefined : AuditLedgeModule.forRoot(options as never),
        controllers: byMount(routes).map(([mount, group]) => controllerFor(mount, group)),
      });
    },
  };
}

contractSuite(factory('express'));
contractSuite(factory('fastify'));
