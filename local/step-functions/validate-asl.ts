import { createRequire } from 'node:module';

/** asl-validator 4 is CommonJS without type declarations; this is the part of its API we use. */
type AslValidator = (
  definition: object,
  options?: { checkArn?: boolean; checkPaths?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };

const aslValidator = createRequire(import.meta.url)('asl-validator') as AslValidator;

/** By definition text: the validator compiles its JSON schemas on every call (a second, under load). */
const problemsByDefinition = new Map<string, string>();

/**
 * Validates an ASL definition as aws-local-stepfunctions would (ARNs and paths checked), and
 * returns the problems, or an empty string if there are none. Works on a copy: the validator
 * writes default `QueryLanguage` fields into the object it is given.
 */
export function aslProblems(definition: object): string {
  const text = JSON.stringify(definition);
  let problems = problemsByDefinition.get(text);
  if (problems === undefined) {
    const { isValid, errorsText } = aslValidator(JSON.parse(text) as object, { checkArn: true, checkPaths: true });
    problems = isValid ? '' : errorsText('\n');
    problemsByDefinition.set(text, problems);
  }
  return problems;
}
