export * from './errors.ts';
export * from './twilio/client.ts';
export * from './twilio/errors.ts';
export * from './twilio/sms.ts';
export * from './types.ts';
