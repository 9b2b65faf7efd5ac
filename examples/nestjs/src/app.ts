import 'reflect-metadata';
import type { AuditLedge } from '@auditledge/core';
import { errorResponse, SaasStore, type User } from '@auditledge/example-shared';
import { Audit, AuditContext, type AuditHandle, AuditLedgeModule } from '@auditledge/nestjs';
import {
  type ArgumentsHost,
  Body,
  type CanActivate,
  Catch,
  Controller,
  createParamDecorator,
  Delete,
  type ExceptionFilter,
  type ExecutionContext,
  Get,
  HttpCode,
  HttpException,
  type INestApplication,
  Inject,
  Module,
  Param,
  Patch,
  Post,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD, NestFactory } from '@nestjs/core';
import type { Request, Response } from 'express';

declare global {
  namespace Express {
    interface Request {
      /** Set by the `Authenticate` guard from the bearer token; the audit module reads it at the end. */
      user?: User;
    }
  }
}

export interface AppOptions {
  client: AuditLedge;
  store?: SaasStore;
}

const STORE = Symbol('SaasStore');

/** The signed-in user (or `undefined`), as a handler parameter. */
const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<Request>().user,
);

/** Passport's place: the user of the bearer token on `request.user`, before any route runs. */
class Authenticate implements CanActivate {
  constructor(private readonly store: SaasStore) {}
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    req.user = this.store.authenticate(req.headers.authorization);
    return true;
  }
}

/** The store's `HttpError`s (and Nest's own 404s) as `{ error }` bodies, like the other examples. */
@Catch()
class ErrorsAsJson implements ExceptionFilter {
  catch(err: unknown, host: ArgumentsHost): void {
    const { status, body } =
      err instanceof HttpException
        ? { status: err.getStatus(), body: { error: err.message } }
        : errorResponse(err);
    host.switchToHttp().getResponse<Response>().status(status).json(body);
  }
}

@Controller()
class AccountController {
  constructor(@Inject(STORE) private readonly store: SaasStore) {}

  @Get('health') health() {
    return { ok: true };
  }

  // Anonymous, and audited: the handler names the event, since no route template can.
  @Post('signup') signup(@Body() body: unknown, @AuditContext() audit: AuditHandle) {
    const { organization, user, token } = this.store.signup(body);
    audit.set({
      action: 'organization.created',
      resource: { type: 'organization', id: organization.id, name: organization.name },
      organization: organization.id,
    });
    return { organization, user, token };
  }
}

@Controller('invoices')
class InvoicesController {
  constructor(@Inject(STORE) private readonly store: SaasStore) {}

  @Get() list(@CurrentUser() user?: User) {
    return this.store.listInvoices(user);
  }

  @Post() create(@CurrentUser() user: User | undefined, @Body() body: unknown) {
    return this.store.createInvoice(user, body); // the `id` it returns names the resource
  }

  @Get(':id') get(@CurrentUser() user: User | undefined, @Param('id') id: string) {
    return this.store.getInvoice(user, id);
  }

  @Patch(':id') update(
    @CurrentUser() user: User | undefined,
    @Param('id') id: string,
    @Body() body: unknown,
    @AuditContext() audit: AuditHandle,
  ) {
    const { invoice, change } = this.store.updateInvoice(user, id, body);
    // 3. A change record: metadata { field: 'amount', old_value: 1200, new_value: 1500 }.
    if (change) {
      audit.set({
        resource: { name: invoice.number },
        metadata: { field: change.field, old_value: change.old_value, new_value: change.new_value },
      });
    } else {
      audit.skip(); // nothing changed: nothing to record
    }
    return invoice;
  }

  @Delete(':id') @HttpCode(204) remove(@CurrentUser() user: User | undefined, @Param('id') id: string) {
    this.store.deleteInvoice(user, id);
  }

  // 4. A per-route declaration names the action itself (here the `invoice.sent` the route would
  //    derive anyway; write whatever name your auditors search for).
  @Post(':id/send') @HttpCode(200) @Audit('invoice.sent') send(
    @CurrentUser() user: User | undefined,
    @Param('id') id: string,
  ) {
    return this.store.sendInvoice(user, id);
  }
}

@Controller('users')
class UsersController {
  constructor(@Inject(STORE) private readonly store: SaasStore) {}

  @Get() list(@CurrentUser() user?: User) {
    return this.store.listUsers(user);
  }

  @Post() create(@CurrentUser() user: User | undefined, @Body() body: unknown) {
    return this.store.createUser(user, body);
  }

  @Patch(':id') update(
    @CurrentUser() user: User | undefined,
    @Param('id') id: string,
    @Body() body: unknown,
    @AuditContext() audit: AuditHandle,
  ) {
    const { user: updated, change } = this.store.updateUser(user, id, body);
    if (change) audit.set({ resource: { name: updated.email }, metadata: { ...change } });
    else audit.skip();
    return updated;
  }

  @Delete(':id') @HttpCode(204) remove(@CurrentUser() user: User | undefined, @Param('id') id: string) {
    this.store.deleteUser(user, id);
  }
}

// Org-scoped: api_key.created / api_key.deleted, with the organization from `:orgId`.
@Controller('orgs/:orgId/api-keys')
class ApiKeysController {
  constructor(@Inject(STORE) private readonly store: SaasStore) {}

  @Get() list(@CurrentUser() user: User | undefined, @Param('orgId') orgId: string) {
    return this.store.listApiKeys(user, orgId);
  }

  @Post() create(
    @CurrentUser() user: User | undefined,
    @Param('orgId') orgId: string,
    @Body() body: unknown,
  ) {
    return this.store.createApiKey(user, orgId, body);
  }

  @Delete(':keyId') @HttpCode(204) remove(
    @CurrentUser() user: User | undefined,
    @Param('orgId') orgId: string,
    @Param('keyId') keyId: string,
  ) {
    this.store.deleteApiKey(user, orgId, keyId);
  }
}

/**
 * The example SaaS API on NestJS (platform-express), audited by `@auditledge/nestjs`; not yet
 * listening.
 *
 * @example
 * const app = await createApp({ client: new AuditLedge(key, { baseUrl: 'http://127.0.0.1:4600' }) });
 * await app.listen(3000);
 */
export async function createApp({ client, store = new SaasStore() }: AppOptions): Promise<INestApplication> {
  @Module({
    imports: [
      // 1. The global module: every POST/PUT/PATCH/DELETE answered below 400 becomes an event,
      //    named from the route (`DELETE /invoices/:id` -> invoice.deleted on invoice:<id>).
      AuditLedgeModule.forRoot<Request>({
        client,
        // 2. A custom actor mapper: who did it, from your own user object (`undefined` = anonymous).
        actor: (req) => req.user && { id: req.user.id, name: req.user.name, email: req.user.email },
      }),
    ],
    controllers: [AccountController, InvoicesController, UsersController, ApiKeysController],
    providers: [
      { provide: STORE, useValue: store },
      { provide: APP_GUARD, useValue: new Authenticate(store) },
      { provide: APP_FILTER, useClass: ErrorsAsJson },
    ],
  })
  class AppModule {}

  return NestFactory.create(AppModule, { logger: ['error', 'warn'] });
}
