import { createRequire } from 'node:module';

/** asl-validator 4 is CommonJS without type declarations; this is the part of its API we use. */
type AslValidator = (
  definition: object,
  options?: { checkArn?: boolean; checkPaths?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };

const aslValidator = createRequire(import.meta.url)('asl-validator') as AslValidator;

/**
 * Validates an ASL definition as aws-local-stepfunctions would (ARNs and paths checked), and
 * returns the problems, or an empty string if there are none. Works on a copy: the validator
 * writes default `QueryLanguage` fields into the object it is given.
 */
export function aslProblems(definition: object): string {
  const { isValid, errorsText } = aslValidator(structuredClone(definition), { checkArn: true, checkPaths: true });
  return isValid ? '' : errorsText('\n');
}
