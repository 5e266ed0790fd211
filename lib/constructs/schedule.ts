import { type Duration, Validations } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { StockadeFunction } from './stockade-function';

/**
 * Runs a function on an EventBridge rate schedule. Scheduled runs carry no data of their own and each one does its
 * whole job again (the job must be idempotent), so an undelivered event or a failed run needs no dead-letter queue:
 * EventBridge retries it, the next run redoes it, and the function's error alarm reports it. `why` says, for the
 * cdk-nag acknowledgements, why that holds for this job.
 */
export function runOnSchedule(fn: StockadeFunction, options: { id: string; every: Duration; description: string; maxEventAge: Duration; why: string }): Rule {
  const rule = new Rule(fn.stack, options.id, {
    description: options.description,
    schedule: Schedule.rate(options.every),
    // A released function is invoked through its alias, so that a release shifts the schedule's runs too.
    targets: [new LambdaFunction(fn.live ?? fn, { retryAttempts: 2, maxEventAge: options.maxEventAge })],
  });
  Validations.of(rule).acknowledge({
    id: 'Serverless::Serverless-EventBusDLQ',
    reason: `A scheduled event carries no data: one that could not be delivered is replaced by the next run. ${options.why}`,
  });
  Validations.of(fn).acknowledge({
    id: 'Serverless::Serverless-LambdaDLQ',
    reason: `Invoked by a schedule: a failed run is retried by EventBridge, redone by the next run and raises the function error alarm. ${options.why}`,
  });
  return rule;
}
