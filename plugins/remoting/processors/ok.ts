import { ResponseCode } from '../../../kernel/protocol/remoting/codes.js';
import { createResponse, type ExtFieldsInput, type RemotingCommand } from '../../../kernel/protocol/remoting/command.js';

/** A SUCCESS response with optional extFields and body. */
export function ok(request: RemotingCommand, extFields?: ExtFieldsInput, body?: Uint8Array): RemotingCommand {
  return createResponse(request, {
    code: ResponseCode.SUCCESS,
    ...(extFields === undefined ? {} : { extFields }),
    ...(body === undefined ? {} : { body }),
  });
}
