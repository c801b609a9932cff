'use strict';

/**
 * A local Serverless plugin. serverless-iam-roles-per-function gives every function with
 * `iamRoleStatements` a role of its own, cloned from the default `IamRoleLambdaExecution` that
 * Serverless creates first; that default role is then used by nothing, yet deployed with its own
 * statements. This removes it from the template just before the template is saved, when no other
 * part of the template refers to it (Ref, Fn::GetAtt, DependsOn or Fn::Sub). A role something
 * still uses is kept, with a warning. It runs on package and deploy only, never on `offline`.
 */
const ROLE = 'IamRoleLambdaExecution';

class DropUnusedDefaultRole {
  constructor(serverless, _options, utils) {
    this.serverless = serverless;
    this.log = utils && utils.log;
    this.hooks = { 'before:aws:package:finalize:saveServiceState': () => this.drop() };
  }

  drop() {
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    if (!template.Resources[ROLE]) return;
    const rest = { ...template, Resources: { ...template.Resources } };
    delete rest.Resources[ROLE];
    const text = JSON.stringify(rest);
    // A Ref, a GetAtt or DependsOn names the role as a whole string; a Fn::Sub as "${ROLE".
    if (text.includes(`"${ROLE}"`) || text.includes(`$\{${ROLE}`)) {
      if (this.log) this.log.warning(`${ROLE} is still referenced in the template: kept`);
      return;
    }
    delete template.Resources[ROLE];
    if (this.log) this.log.verbose(`${ROLE} removed: every function has a role of its own`);
  }
}

module.exports = DropUnusedDefaultRole;
