import type { MxCallRecord } from '#shared/mx/index.js';
import { tracer } from './tracer.js';

/**
 * One X-Ray subsegment per MX call, named for the MX operation, spanning the call and carrying
 * its outcome: method, path template, HTTP status, error code. Never a body, guid or credential.
 * The transport reports a call when it ends, so the subsegment is opened back at its start.
 */
export function traceMxCall(call: MxCallRecord): void {
  const parent = tracer.getSegment();
  if (!parent) return;
  const subsegment = parent.addNewSubsegment(`MX ${call.operation}`);
  subsegment.start_time = (Date.now() - call.durationMs) / 1000;
  subsegment.namespace = 'remote';
  subsegment.addAnnotation('mxOperation', call.operation);
  subsegment.addMetadata('request', { method: call.method, pathTemplate: call.pathTemplate });
  if (call.status !== undefined) subsegment.addAnnotation('mxStatus', call.status);
  if (call.errorCode) {
    subsegment.addAnnotation('mxErrorCode', call.errorCode);
    if (call.status === 429) subsegment.addThrottleFlag();
    // MX refusing the request is an error (4xx); MX failing or unreachable is a fault.
    if (call.status !== undefined && call.status < 500) subsegment.addErrorFlag();
    else subsegment.addFaultFlag();
  }
  subsegment.close();
}
