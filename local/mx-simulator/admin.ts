// The admin surface under /_simulator/ (no auth, never fault-injected): stats, faults,
// reset, config. Kept deliberately small; README.md documents each shape.
import { ApiError } from './errors.js';
import type { ApiResult } from './http-types.js';

export interface AdminControls {
  stats(): unknown;
  faults(): unknown;
  setFaults(partial: unknown): unknown;
  config(): unknown;
  configure(partial: unknown): unknown;
  reset(): void;
}

export function adminRequest(admin: AdminControls, method: string, pathname: string, body: unknown): ApiResult {
  const route = `${method} ${pathname.replace(/\/+$/, '')}`;
  switch (route) {
    case 'GET /_simulator/stats':
      return { status: 200, body: admin.stats() };
    case 'GET /_simulator/faults':
      return { status: 200, body: { faults: admin.faults() } };
    case 'POST /_simulator/faults':
      return { status: 200, body: { faults: admin.setFaults(body ?? {}) } };
    case 'GET /_simulator/config':
      return { status: 200, body: { config: admin.config() } };
    case 'PUT /_simulator/config':
      return { status: 200, body: { config: admin.configure(body ?? {}) } };
    case 'POST /_simulator/reset':
      admin.reset();
      return { status: 200, body: { reset: true } };
    default:
      throw new ApiError(404, `no admin endpoint ${route}; see local/mx-simulator/README.md`);
  }
}
