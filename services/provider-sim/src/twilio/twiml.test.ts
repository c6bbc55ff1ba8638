import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interpretTwiml, TWIML_PARSE_FAILURE, TWIML_SCHEMA_ERROR, type TwimlResult } from './twiml.ts';

function speechOf(source: string) {
  const result = interpretTwiml(source);
  assert.ok(result.ok, `expected valid TwiML, got ${JSON.stringify(result)}`);
  return result.speech;
}

function failure(result: TwimlResult): { code: number; message: string } {
  assert.equal(result.ok, false, 'expected invalid TwiML');
  return result as { code: number; message: string };
}

describe('interpretTwiml', () => {
  it('records what a one-time-code call says, with loops expanded, language and voice', () => {
    const speech = speechOf(
      '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        '<Say voice="Polly.Joanna" language="en-US" loop="2">Your code is 1, 2, 3, 4, 5, 6.</Say>' +
        '<Pause length="1"/></Response>',
    );
    assert.equal(speech.text, 'Your code is 1, 2, 3, 4, 5, 6. Your code is 1, 2, 3, 4, 5, 6.');
    assert.equal(speech.language, 'en-US');
    assert.equal(speech.voice, 'Polly.Joanna');
    assert.equal(speech.loops, 2);
    assert.deepEqual(speech.segments, [
      {
        kind: 'say',
        text: 'Your code is 1, 2, 3, 4, 5, 6.',
        language: 'en-US',
        voice: 'Polly.Joanna',
        loop: 2,
      },
      { kind: 'pause', seconds: 1 },
    ]);
  });

  it('reads SSML inside <Say>, decodes entities and normalises whitespace', () => {
    const speech = speechOf(`<Response>
  <Say voice="Google.de-DE-Standard-A" language="de-DE">
    Ihr Code lautet <say-as interpret-as="digits">482913</say-as>.<break time="500ms"/>Tom &amp; Jerry
    <sub alias="World Wide Web">WWW</sub> <prosody rate="slow"><emphasis>bitte</emphasis></prosody>
  </Say>
</Response>`);
    assert.equal(speech.text, 'Ihr Code lautet 482913. Tom & Jerry World Wide Web bitte');
    assert.equal(speech.language, 'de-DE');
  });

  it('uses Twilio defaults, concatenates several <Say>s and notes loop="0" (until hang-up) once', () => {
    const speech = speechOf('<Response><Say>Hello</Say><Say language="es-MX" loop="0">Hola</Say></Response>');
    assert.equal(speech.text, 'Hello Hola');
    assert.equal(speech.language, 'en-US');
    assert.equal(speech.voice, 'man');
    assert.equal(speech.loops, 1);
    assert.deepEqual(speech.segments[1], {
      kind: 'say',
      text: 'Hola',
      language: 'es-MX',
      voice: 'man',
      loop: 0,
    });
  });

  it('stops at <Hangup/>', () => {
    assert.equal(speechOf('<Response><Say>Bye</Say><Hangup/><Say>never</Say></Response>').text, 'Bye');
  });

  it('accepts an empty <Response/>', () => {
    assert.equal(speechOf('<Response/>').text, '');
  });

  it('answers 12100 for malformed XML and for a root other than <Response>', () => {
    const broken = failure(interpretTwiml('<Response><Say>Hi</Response>'));
    assert.equal(broken.code, TWIML_PARSE_FAILURE);
    assert.match(
      broken.message,
      /^Document parse failure: <\/Response> does not match the open element <Say> \(line 1/,
    );
    assert.match(
      failure(interpretTwiml('<Response><Say>R&D</Say></Response>')).message,
      /'&' must start an entity/,
    );
    const wrongRoot = failure(interpretTwiml('<Say>Hi</Say>'));
    assert.equal(wrongRoot.code, TWIML_PARSE_FAILURE);
    assert.match(wrongRoot.message, /root element must be <Response>, not <Say>/);
  });

  const invalid: [string, string, RegExp][] = [
    ['an unsupported verb', '<Response><Play>https://x/a.mp3</Play></Response>', /<Play> is not supported/],
    [
      'a misspelt attribute',
      '<Response><Say lang="de-DE">Hallo</Say></Response>',
      /unknown attribute lang \(allowed: voice, language, loop\)/,
    ],
    [
      'an unknown voice',
      '<Response><Say voice="robot">Hi</Say></Response>',
      /voice="robot"> is not a Twilio voice/,
    ],
    [
      'a bad language tag',
      '<Response><Say language="German">Hi</Say></Response>',
      /language="German"> is not a language tag/,
    ],
    [
      'a non-numeric loop',
      '<Response><Say loop="twice">Hi</Say></Response>',
      /loop="twice"> must be a whole number/,
    ],
    ['a negative pause', '<Response><Pause length="-1"/></Response>', /length="-1"> must be a whole number/],
    ['text directly in <Response>', '<Response>Hello</Response>', /text must be inside a verb/],
    [
      'a verb nested in <Say>',
      '<Response><Say>Hi <Pause/></Say></Response>',
      /<Pause> is not allowed inside <Say>/,
    ],
    [
      '<say-as> without interpret-as',
      '<Response><Say><say-as>12</say-as></Say></Response>',
      /needs an interpret-as/,
    ],
    ['content in <Pause>', '<Response><Pause>wait</Pause></Response>', /<Pause> must be empty/],
  ];
  for (const [name, source, message] of invalid) {
    it(`answers 12200 for ${name}`, () => {
      const result = failure(interpretTwiml(source));
      assert.equal(result.code, TWIML_SCHEMA_ERROR);
      assert.match(result.message, message);
    });
  }
});
