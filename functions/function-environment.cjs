// Each function's environment: the stage's (custom.stageEnvironment in serverless.yml) plus the
// settings only that function reads. Serverless v3 cannot merge two maps in YAML; a JavaScript
// variable source can (`${file(functions/function-environment.cjs):canaryTick}`).
module.exports = async ({ resolveVariable }) => {
  const stage = await resolveVariable('self:custom.stageEnvironment');
  return {
    canaryTick: { ...stage, TICK_RULE_ARN: await resolveVariable('param:tickRuleArn') },
    controlApi: {
      ...stage,
      MAX_REQUEST_BODY_BYTES: String(await resolveVariable('param:maxRequestBodyBytes')),
    },
  };
};
