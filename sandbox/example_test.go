package sandbox_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/acimport/acimport/sandbox"

	"github.com/acimport/acimport/internal/altcraft"
)

func ExampleStart() {
	inst, err := sandbox.Start("127.0.0.1:0", sandbox.Config{Token: "secret", DBs: []int{5}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer inst.Close()

	for _, body := range []string{
		`{"db_id":5,"email":"ann@example.io","data":{"_fname":"Ann","_bdate":"1990-01-15"}}`,
		`{"db_id":5,"email":"ann@example.io","data":{"_bdate":"1990-02-31"}}`,
		`{"db_id":7,"email":"ann@example.io"}`,
	} {
		req, _ := http.NewRequest(http.MethodPost, inst.URL+altcraft.MethodImport.Path(), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer secret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, string(answer))
	}
	fmt.Printf("%+v\n", inst.Server.Stats())
	// Output:
	// 200 {"error":0,"error_text":"Successful operation","profile_id":"8450d6f3fa5ba88e4bdfb967"}
	// 400 {"error":400,"error_text":"Invalid value of field \"_bdate\": \"1990-02-31\""}
	// 404 {"error":404,"error_text":"Database 7 not found"}
	// {Requests:3 Created:1 Updated:0 Rejected:2 Faults:0 Replayed:0 Lost:0}
}
