// Command hello is a stand-in Lambda main for the artifact tests.
package main

import "fmt"

func main() { fmt.Println("hello") }
