/**
 * What an endpoint does with requests at one moment, as the sandbox's traffic player needs it:
 * how the production variants split the users' requests, what a shadow variant gets a copy of,
 * and, during a blue/green deployment, how much of each variant's traffic the new fleet serves.
 */

/** The shadow variant of the config in service and the share of production requests copied to it. */
export interface ShadowTraffic {
  variantName: string;
  /** Share of the production requests copied to the shadow, 0..1: `min(1, shadowWeight / sum(productionWeights))`. */
  share: number;
}

/** The two fleets of a blue/green deployment in flight; every production variant runs on both. */
export interface FleetTraffic {
  /** The endpoint config of the old (blue) fleet, the one the endpoint is still on. */
  blueConfigName: string;
  /** The endpoint config being deployed (green). */
  greenConfigName: string;
  /** Share of each variant's requests the green fleet serves now, 0..1 (the routing step in force). */
  greenShare: number;
}

export interface EndpointTraffic {
  /** Share of the users' requests per production variant, percent (from `CurrentWeight`). */
  weights: Readonly<Record<string, number>>;
  /** Present when the config in service has a shadow variant with a weight above 0. */
  shadow?: ShadowTraffic;
  /** Present while a blue/green deployment (UpdateEndpoint with `DeploymentConfig`) routes traffic. */
  fleets?: FleetTraffic;
  /**
   * True when the config in service runs a model that a completed blue/green deployment brought
   * onto the endpoint: the new model serves (the scenario's canary behaviour).
   */
  newModelServing: boolean;
}
