// What MX lets this client do: the IP allow list (MX only answers calls from allow-listed
// addresses) and the products MX has enabled for it. Both refusals are MX's 403.
import { isIP } from 'node:net';
import { ApiError, badRequest } from './errors.js';
import type { RequestContext } from './http-types.js';
import type { JobType } from './model.js';

const JOB_FEATURES = ['aggregate', 'verify', 'identify', 'history'] as const satisfies readonly JobType[];

const FEATURE_NAMES: Record<JobType, string> = {
  aggregate: 'Aggregation',
  verify: 'Account verification',
  identify: 'Account owner identification',
  history: 'Extended transaction history',
};

const IP_NOT_ALLOWED_MESSAGE = 'The request came from an IP address that is not on the allow list for this client';

/** `::ffff:127.0.0.1` (an IPv4 client of a dual-stack socket) is 127.0.0.1. */
function normaliseIp(address: string): string {
  return address.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

/** Validates an allow-list entry: an IPv4 or IPv6 address, or an IPv4 CIDR range. */
export function checkAllowEntry(entry: unknown): string {
  if (typeof entry !== 'string') throw badRequest('allowedIps entries must be strings');
  const [address = '', bits, extra] = entry.trim().split('/');
  const valid =
    extra === undefined &&
    (bits === undefined ? isIP(address) !== 0 : isIP(address) === 4 && /^\d{1,2}$/.test(bits) && Number(bits) <= 32);
  if (!valid) throw badRequest(`allowedIps entry "${entry}" is not an IP address or an IPv4 CIDR range (a.b.c.d/n)`);
  return entry.trim();
}

/** Whether a client address matches the allow list; null means every address is allowed. */
function ipAllowed(address: string | undefined, allowList: readonly string[] | null): boolean {
  if (allowList === null) return true;
  if (!address) return false;
  const ip = normaliseIp(address);
  return allowList.some((entry) => {
    const [base = '', bits] = entry.split('/');
    if (bits === undefined) return normaliseIp(base) === ip;
    if (isIP(ip) !== 4) return false;
    const shift = 32 - Number(bits);
    // Compare the network parts; arithmetic instead of bit operators keeps /0 and /32 right.
    return Math.floor(ipv4ToInt(ip) / 2 ** shift) === Math.floor(ipv4ToInt(base) / 2 ** shift);
  });
}

/** The front door's check: MX answers 403 to a call from an address not on the list. */
export function refuseUnlistedIp(address: string | undefined, allowList: readonly string[] | null): void {
  if (!ipAllowed(address, allowList)) throw new ApiError(403, IP_NOT_ALLOWED_MESSAGE);
}

export function checkFeature(value: unknown): JobType {
  if (typeof value !== 'string' || !(JOB_FEATURES as readonly string[]).includes(value)) {
    throw badRequest(`disabledFeatures entries must be one of ${JOB_FEATURES.join(', ')}`);
  }
  return value as JobType;
}

/** A job start MX has not enabled for this client: 403, as MX answers it. */
export function refuseDisabledFeature(ctx: RequestContext, type: JobType): void {
  if (ctx.store.config.disabledFeatures.includes(type)) {
    throw new ApiError(403, `${FEATURE_NAMES[type]} is not enabled for this client`);
  }
}
