import type { StageConfig } from './stage-config';

/** The API Gateway stage name; clients call https://…/v1/products. */
export const API_STAGE_NAME = 'v1';

/**
 * The REST API's name, fixed per stage: API Gateway publishes its metrics by this name (dimension ApiName), so a
 * stack that must not reference the API (the ApiFunctions stack, whose releases roll back on the API's 5xx rate) can
 * still name them.
 */
export function restApiName(config: Pick<StageConfig, 'stage'>): string {
  return `stockade-${config.stage}`;
}
