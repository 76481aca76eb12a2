// ABA routing numbers: 9 digits whose weighted sum (3,7,1 repeating) is a multiple of 10.
// The simulator only hands out numbers that pass this check, as MX's validation would.

const WEIGHTS = [3, 7, 1, 3, 7, 1, 3, 7, 1] as const;

export function isValidAbaRoutingNumber(value: string): boolean {
  if (!/^\d{9}$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(value[i]) * WEIGHTS[i]!;
  return sum % 10 === 0 && value !== '000000000';
}

/** Builds a valid routing number from 8 leading digits by computing the check digit. */
export function abaRoutingNumberFrom(first8: string): string {
  if (!/^\d{8}$/.test(first8)) throw new Error('need exactly 8 digits');
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(first8[i]) * WEIGHTS[i]!;
  const check = (10 - (sum % 10)) % 10;
  return `${first8}${check}`;
}
