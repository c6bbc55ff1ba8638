/**
 * Every provider's folder (SDK adapters included) and the registry. hook-ingress imports
 * `@byot/providers/registry` instead, which loads no SDK.
 */
export * from './adapters.ts';
export * from './registry.ts';
export * from './sendgrid/adapters.ts';
export * from './sendgrid/callbacks.ts';
export * from './sendgrid/email.ts';
export * from './sendgrid/errors.ts';
export * from './sendgrid/statuses.ts';
export * from './twilio/adapters.ts';
export * from './twilio/callbacks.ts';
export * from './twilio/client.ts';
export * from './twilio/errors.ts';
export * from './twilio/sms.ts';
export * from './twilio/statuses.ts';
export * from './twilio/voice.ts';
export * from './twilio/voice-twiml.ts';
export * from './voice/phrases.ts';
export * from './voice/spoken-code.ts';
export * from './vonage/adapters.ts';
export * from './vonage/callbacks.ts';
export * from './vonage/client.ts';
export * from './vonage/errors.ts';
export * from './vonage/sms.ts';
export * from './vonage/statuses.ts';
export * from './vonage/voice.ts';
