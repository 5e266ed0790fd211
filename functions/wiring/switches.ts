import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SsmSwitchReader } from '../../shared/adapters/ssm-switch-reader';
import { switchCacheSeconds, switchParameters } from '../../shared/config/switches';
import { logger, metrics } from '../../shared/observability/powertools';
import type { SwitchReader } from '../../shared/ports/switches';
import { once } from './once';
import { ssmClient } from './ssm';

/**
 * The mitigation switches the function is bound to (STOCKADE_SWITCHES), cached for the stage's
 * switches.cacheSeconds; a read failure is logged (switch and error name only) and counted as SwitchReadFailures.
 */
export const switchReader: () => SwitchReader = /* @__PURE__ */ once(
  () =>
    new SsmSwitchReader(ssmClient(), switchParameters(), {
      maxAgeSeconds: switchCacheSeconds(),
      onReadFailure: (name, error) => {
        logger.warn('Mitigation switch unreadable; acting on its last or failure state', { switch: name, error: (error as Error).name });
        metrics.singleMetric().addDimension('switch', name).addMetric('SwitchReadFailures', MetricUnit.Count, 1);
      },
    }),
);
