// Imported first by the local stack, before any module that loads the tracer.
//
// Off Lambda the tracer records nothing, yet the X-Ray SDK in its automatic mode follows every
// promise of the process through an async hook (cls-hooked), with a destroy hook on each: about a
// tenth of the local stack's CPU. Manual mode is the SDK's own switch for not keeping that context;
// in AWS the variable is unset and Lambda's traces are as before.
process.env.AWS_XRAY_MANUAL_MODE ??= 'true';
