import { describe, expect, it } from 'vitest';
import { deleteSupersededResults } from '#shared/jobs/delete-superseded-results.js';
import { fakeWorkflow } from '#test/support/fakes/workflow-deps.js';

describe('deleteSupersededResults', () => {
  it('deletes the generations named, keeps every other one and says nothing is left', async () => {
    const w = fakeWorkflow();
    const member = w.job.memberGuid;
    await w.results.putResults(member, 'transactions', 'JOB-0', [{ guid: 'TRN-old' }]);
    await w.results.putResults(member, 'transactions', w.job.jobGuid, [{ guid: 'TRN-new' }]);
    await w.results.putResults(member, 'transactions', 'JOB-2', [{ guid: 'TRN-next' }]);

    const cleanup = await deleteSupersededResults(w.deps, {
      job: w.job,
      superseded: [{ kind: 'transactions', generation: 'JOB-0' }],
    });

    expect(cleanup).toEqual({ resultsLeft: false, superseded: [] });
    expect(w.results.stored(member, 'transactions', 'JOB-0')).toEqual([]);
    expect(w.results.stored(member, 'transactions', w.job.jobGuid)).toEqual([{ guid: 'TRN-new' }]);
    expect(w.results.stored(member, 'transactions', 'JOB-2')).toEqual([{ guid: 'TRN-next' }]);
  });
});
