#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { addStockadeStage } from '../lib/app';
import { resolveStageConfig } from '../lib/config/stages';

const app = new App();
const config = resolveStageConfig({
  stage: app.node.tryGetContext('stage'),
  // The standard CDK environment variables, set by the CLI from the active AWS profile.
  account: process.env.CDK_DEFAULT_ACCOUNT,
  region: process.env.CDK_DEFAULT_REGION,
});
addStockadeStage(app, config);
app.synth();
