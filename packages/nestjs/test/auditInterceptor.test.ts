// The interceptor on its own, for what a real app cannot easily stage: contexts that are not
// HTTP (GraphQL, microservices, websockets) and a platform whose request cannot be read.
import type { AuditLedgeError, ErrorContext } from '@auditledge/core';
import { createAuditTrail } from '@auditledge/core/testing';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { lastValueFrom, of } from 'rxjs';
import { expect, test } from 'vitest';
import { AuditInterceptor } from '../src/auditInterceptor.js';
import { NestRecorder } from '../src/nestRecorder.js';

function interceptor() {
  const errors: [AuditLedgeError, ErrorContext][] = [];
  const recorder = new NestRecorder(
    { client: createAuditTrail().client, onError: (error, context) => errors.push([error, context]) },
    null,
  );
  return { interceptor: new AuditInterceptor(recorder, new Reflector()), errors };
}

const handled = { handle: () => of('answer') } satisfies CallHandler;

test('contexts that are not HTTP pass through untouched, and nothing is read from them', async () => {
  const { interceptor: audit, errors } = interceptor();
  for (const type of ['rpc', 'ws', 'graphql']) {
    const context = {
      getType: () => type,
      switchToHttp: () => {
        throw new Error(`an HTTP view of a ${type} context was asked for`);
      },
    } as unknown as ExecutionContext;
    const result = audit.intercept(context, handled);
    expect(await lastValueFrom(result)).toBe('answer');
  }
  expect(errors).toEqual([]);
});

test('a request that cannot be read is not audited, reported, and never fails', async () => {
  const { interceptor: audit, errors } = interceptor();
  const context = {
    getType: () => 'http',
    getHandler: () => () => {},
    getClass: () => class {},
    switchToHttp: () => ({
      getRequest: () => ({
        method: 'DELETE',
        get raw(): never {
          throw new Error('a platform we do not know');
        },
      }),
      getResponse: () => ({}),
    }),
  } as unknown as ExecutionContext;
  expect(await lastValueFrom(audit.intercept(context, handled))).toBe('answer');
  expect(errors.map(([error, where]) => [error.code, where.method])).toEqual([['AL_ERR_MAPPER', 'DELETE']]);
});
