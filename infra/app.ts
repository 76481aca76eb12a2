#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { addMxflowStack } from './mxflow-app.js';

addMxflowStack(new App());
