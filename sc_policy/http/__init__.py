"""Front door: the decision service and the caseworkers' pages over HTTP."""
