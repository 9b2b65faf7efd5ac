export type Role = 'admin' | 'member';

/** The authenticated user, as each app puts it on `req.user` / `ctx.state.user` / `request.user`. */
export interface User {
  id: string;
  name: string;
  email: string;
  organizationId: string;
  role: Role;
}

export interface Organization {
  id: string;
  name: string;
}

export interface Invoice {
  id: string;
  organizationId: string;
  number: string;
  customer: string;
  amount: number;
  status: 'draft' | 'sent';
}

export interface ApiKey {
  id: string;
  organizationId: string;
  name: string;
}

/** One change, in the shape audit metadata conventionally uses. */
export interface Change {
  /** The field that changed; several fields are joined with a comma. */
  field: string;
  old_value: string | number | Record<string, string | number>;
  new_value: string | number | Record<string, string | number>;
}
