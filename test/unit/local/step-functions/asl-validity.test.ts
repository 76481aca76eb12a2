import { describe, expect, it } from 'vitest';
import { aslProblems } from '#local/step-functions/validate-asl.js';
import {
  challengeMachine,
  directLambdaMachine,
  fetchMachine,
  slowMachine,
  waitMachine,
} from '#test/support/step-functions/machines.js';

describe('test machines', () => {
  it.each(Object.entries({ fetchMachine, directLambdaMachine, waitMachine, slowMachine, challengeMachine }))(
    '%s is valid ASL',
    (_name, definition) => {
      expect(aslProblems(definition)).toBe('');
    },
  );

  it('reports problems of an invalid machine', () => {
    expect(aslProblems({ StartAt: 'Missing', States: {} })).not.toBe('');
  });
});
