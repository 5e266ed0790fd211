import { NotFoundError } from '../../../shared/domain/errors';
import { redriveQueue } from '../../../shared/domain/operations/redrive-queue';
import { TransientError } from '../../../shared/domain/orders/saga-errors';
import type { DeadLetterRedrive, RedriveResult } from '../../../shared/ports/dead-letter-redrive';
import { FakeAuditLog } from '../../support/order-fakes';

/** A redrive that answers what the test says, and remembers what it was asked. */
class FakeRedrive implements DeadLetterRedrive {
  readonly calls: Array<{ queueName: string; maxMessages: number; deadline: Date }> = [];
  constructor(private readonly answer: () => Promise<RedriveResult>) {}
  knows(queueName: string) {
    return queueName === 'inventory-updates';
  }
  async redrive(queueName: string, limits: { maxMessages: number; deadline: Date }) {
    this.calls.push({ queueName, ...limits });
    return this.answer();
  }
}

describe('redriveQueue', () => {
  const now = () => new Date('2026-12-02T10:00:00.000Z');
  const admin = { sub: 'admin-sub', sourceIp: '10.0.0.1' };
  const limits = { maxMessages: 1000, budgetMs: 8000 };

  it('moves within the limits and audits who moved how many from which queue', async () => {
    const audit = new FakeAuditLog();
    const queues = new FakeRedrive(async () => ({ moved: 3, stoppedBy: 'empty' }));
    await expect(redriveQueue({ queues, audit, now }, admin, 'inventory-updates', limits)).resolves.toEqual({ moved: 3 });
    expect(queues.calls).toEqual([{ queueName: 'inventory-updates', maxMessages: 1000, deadline: new Date('2026-12-02T10:00:08.000Z') }]);
    expect(audit.events).toEqual([
      expect.objectContaining({
        actor: 'admin-sub',
        action: 'queue.redrive',
        target: 'queue:inventory-updates',
        outcome: 'succeeded',
        sourceIp: '10.0.0.1',
        detail: expect.stringContaining('moved 3 message(s)'),
      }),
    ]);
  });

  it('refuses a queue that is not on the list with 404, audited, without touching any queue', async () => {
    const audit = new FakeAuditLog();
    const queues = new FakeRedrive(async () => ({ moved: 0, stoppedBy: 'empty' }));
    await expect(redriveQueue({ queues, audit, now }, admin, 'orders-table', limits)).rejects.toBeInstanceOf(NotFoundError);
    expect(queues.calls).toEqual([]);
    expect(audit.events).toEqual([expect.objectContaining({ action: 'queue.redrive', target: 'queue:orders-table', outcome: 'failed' })]);
  });

  it('a source queue that refuses part-way is a TransientError (503), audited as failed with what was moved', async () => {
    const audit = new FakeAuditLog();
    const queues = new FakeRedrive(async () => ({ moved: 7, stoppedBy: 'send-failed' }));
    await expect(redriveQueue({ queues, audit, now }, admin, 'inventory-updates', limits)).rejects.toBeInstanceOf(TransientError);
    expect(audit.events).toEqual([expect.objectContaining({ outcome: 'failed', detail: expect.stringContaining('moved 7 message(s)') })]);
  });

  it('an SQS error is audited as failed and passed on', async () => {
    const audit = new FakeAuditLog();
    const boom = Object.assign(new Error('denied'), { name: 'AccessDenied' });
    const queues = new FakeRedrive(async () => Promise.reject(boom));
    await expect(redriveQueue({ queues, audit, now }, admin, 'inventory-updates', limits)).rejects.toBe(boom);
    expect(audit.events).toEqual([expect.objectContaining({ outcome: 'failed', detail: 'redrive failed: AccessDenied' })]);
  });
});
