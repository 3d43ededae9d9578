package main

import "github.com/gatehouse/gatehouse/internal/stack"

// gatehouseProgram is the Gatehouse program that --program inline runs inside this process. The
// CLI then needs no Go language host: the Automation API serves the program to the engine itself.
var gatehouseProgram = stack.Deploy
