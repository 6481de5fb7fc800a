// serverless.yml variables from the external-plugin params, so one setting (the params
// `externalInspectors` and `externalReviewer`) configures the functions AND grants exactly the
// invoke permission they need: ${file(./scripts/external-plugins.cjs):inspectorFunctions}.
// A function given by name is in this account and region; an ARN is used as it is.
const asResource = (fn) =>
  fn.startsWith('arn:') ? fn : { 'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${fn}` };

// When none is configured the policy is not created (its Condition); IAM still needs a
// well-formed statement in the template.
const NONE = ['arn:aws:lambda:us-east-1:000000000000:function:alertwarden-no-external-plugin'];

const inspectorSpecs = async (resolveVariable) => {
  const text = String((await resolveVariable('param:externalInspectors')) ?? '[]').trim() || '[]';
  let specs;
  try {
    specs = JSON.parse(text);
  } catch (error) {
    throw new Error(`param externalInspectors is not JSON: ${error.message}`);
  }
  if (!Array.isArray(specs) || specs.some((s) => typeof s?.function !== 'string')) {
    throw new Error('param externalInspectors must be a JSON array of {"name","accepts","function"}');
  }
  return specs;
};

module.exports.inspectorFunctions = async ({ resolveVariable }) => {
  const specs = await inspectorSpecs(resolveVariable);
  return specs.length ? [...new Set(specs.map((s) => s.function))].map(asResource) : NONE;
};

module.exports.reviewerFunctions = async ({ resolveVariable }) => {
  const fn = String((await resolveVariable('param:externalReviewer')) ?? '').trim();
  return fn ? [asResource(fn)] : NONE;
};
