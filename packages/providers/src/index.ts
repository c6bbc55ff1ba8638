export * from './errors.ts';
export * from './twilio/client.ts';
export * from './twilio/errors.ts';
export * from './twilio/sms.ts';
export * from './twilio/voice.ts';
export * from './twilio/voice-twiml.ts';
export * from './types.ts';
export * from './voice/phrases.ts';
