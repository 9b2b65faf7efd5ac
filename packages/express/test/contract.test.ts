// The adapter contract (test/contract) on Express: the factory that builds its apps.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import {
  byMount,
  type ContractAdapter,
  contractSuite,
  failure,
  listening,
  onClose,
  type Route,
  userFrom,
} from '../../../test/contract/index.js';
import { audit, auditMiddleware } from '../src/index.js';

type Verb = 'get' | 'post' | 'put' | 'patch' | 'delete';

function handlers(route: Route): RequestHandler[] {
  const declared: RequestHandler[] = route.spec === undefined ? [] : [audit(route.spec as never)];
  const handler = (req: Request, res: Response, next: NextFunction) => {
    if (route.fail !== undefined && route.fail.async !== true) throw failure(route.fail.status);
    // Express 4 does not catch a rejected promise: its apps hand the error to next().
    Promise.resolve()
      .then(() => route.work?.({ handle: req.audit, body: req.body ?? {}, onClientClose: onClose(res) }))
      .then(() => {
        if (route.fail !== undefined) throw failure(route.fail.status);
        res.status(route.status ?? 200).set(route.headers ?? {});
        if (route.body === undefined) res.end();
        else res.send(route.body);
      })
      .catch(next);
  };
  return [...declared, handler];
}

const adapter: ContractAdapter = {
  name: 'express',
  requestIdFor: (sent) => sent,
  async start({ options, routes }) {
    const app = express();
    app.use(express.json());
    app.use((req, _res, next) => {
      const user = userFrom(req.headers['x-user']);
      if (user !== undefined) (req as { user?: unknown }).user = user;
      next();
    });
    const middleware = options === false ? undefined : auditMiddleware(options as never);
    if (middleware !== undefined) app.use(middleware);
    for (const [mount, group] of byMount(routes)) {
      let router = mount.length === 0 ? app : express.Router();
      for (const route of group) router[route.method.toLowerCase() as Verb](route.path, ...handlers(route));
      for (const prefix of mount.slice(1).reverse()) router = express.Router().use(prefix, router);
      if (mount[0] !== undefined) app.use(mount[0], router);
    }
    app.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
      res.status(err.status ?? 500).json({ error: err.message });
    });
    return listening(app.listen(0, '127.0.0.1'), async () => middleware?.client.shutdown());
  },
};

contractSuite(adapter);
