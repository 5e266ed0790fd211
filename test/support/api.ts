// The API client lives beside the local runtime so benchmarks can use it without importing from test/.
export { type ApiResponse, apiCaller } from '../../local/clients/api-client';
