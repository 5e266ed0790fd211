/**
 * The default timeout of integration and e2e tests and their hooks. They talk to the emulators over loopback on a
 * shared machine, where a sign-in or a table copy that takes half a second alone takes several when the whole suite
 * runs on two cores: jest's 5 s default fails them for the machine's load, not for their code. A test that needs
 * longer still says so; a file's own jest.setTimeout runs after this one and wins. (jest-circus takes only the global
 * testTimeout, not a project's, so this is a setup file.)
 */
jest.setTimeout(30_000);
