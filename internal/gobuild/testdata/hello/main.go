// Command hello prints a greeting the linker can replace.
package main

import "fmt"

var greeting = "hello"

func main() { fmt.Println(greeting) }
