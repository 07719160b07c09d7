// placeholder until ChaosRun lands
