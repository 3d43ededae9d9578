// Command standin serves /healthz and a static directory the way the BFF does
// in regional mode. It exists only until bff/cmd/bff can run the image test.
package main

import (
	"log"
	"net/http"
	"os"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	mux.Handle("/", http.FileServer(http.Dir(os.Getenv("GATEHOUSE_SPA_DIR"))))
	log.Fatal(http.ListenAndServe(os.Getenv("GATEHOUSE_LISTEN_ADDR"), mux))
}
