import type { ChallengeResponse, CredentialRequest } from 'mx-platform-node';

/** What is wrong with a set of answers: the request field it is about, and why. */
export interface AnswerProblem {
  /** `challenges.N.guid`, `challenges.N.value`, or `challenges` when one is left unanswered. */
  readonly field: string;
  readonly message: string;
}

/** The challenge types answered by picking one of the offered options' values. */
export const OPTION_CHALLENGE_TYPES: readonly string[] = ['OPTIONS', 'IMAGE_OPTIONS'];

/** The values a challenge offers; undefined when it is answered with free text. */
export function offeredValues(challenge: ChallengeResponse): string[] | undefined {
  if (!OPTION_CHALLENGE_TYPES.includes(String(challenge.type))) return undefined;
  const values = [...(challenge.options ?? []), ...(challenge.image_options ?? [])]
    .map((o) => o.value)
    .filter((v): v is string => typeof v === 'string');
  // An option challenge offering nothing usable cannot be checked: MX judges the answer.
  return values.length > 0 ? values : undefined;
}

/**
 * Whether these answers can go to MX for this round of challenges: each open challenge answered
 * exactly once, an option challenge with one of its offered values, any other type (TEXT,
 * TOKEN, IMAGE_DATA) with something other than blanks. Blanks are refused because no bank
 * takes them, but a value is sent exactly as typed: spaces may belong to it.
 * Answers the first problem in request order, then any challenge left unanswered.
 * The answer's value is never repeated in a message.
 */
export function checkChallengeAnswers(
  challenges: readonly ChallengeResponse[],
  answers: readonly CredentialRequest[],
): AnswerProblem | undefined {
  const open = new Map(challenges.map((c) => [String(c.guid), c]));
  const seen = new Set<string>();
  for (const [index, answer] of answers.entries()) {
    const guid = String(answer.guid);
    const challenge = open.get(guid);
    if (!challenge)
      return { field: `challenges.${index}.guid`, message: 'this challenge guid is not one the job waits on' };
    if (seen.has(guid))
      return {
        field: `challenges.${index}.guid`,
        message: `challenge ${guid} is answered more than once; answer each challenge once`,
      };
    seen.add(guid);
    const value = typeof answer.value === 'string' ? answer.value : '';
    const offered = offeredValues(challenge);
    if (offered && !offered.includes(value)) {
      return {
        field: `challenges.${index}.value`,
        message: `the answer to challenge ${guid} must be the value of one of its options`,
      };
    }
    if (!offered && value.trim() === '')
      return { field: `challenges.${index}.value`, message: `the answer to challenge ${guid} must not be empty` };
  }
  const unanswered = [...open.keys()].filter((guid) => !seen.has(guid));
  if (unanswered.length > 0)
    return {
      field: 'challenges',
      message: `every challenge of the round needs an answer; missing ${unanswered.join(', ')}`,
    };
  return undefined;
}
